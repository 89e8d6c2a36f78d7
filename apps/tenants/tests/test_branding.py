"""Branding: admins set colours, logo and favicon; images are checked by content and stored per tenant."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context
from PIL import Image

from apps.audit.models import AuditEvent
from apps.tenants.models import Client
from backend.tenant_export import delete_storage_prefix, storage_files


def _image(fmt: str, size=(40, 20), name: str | None = None) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return SimpleUploadedFile(name or f"pic.{fmt.lower()}", buffer.getvalue(), content_type="image/whatever")


@pytest.fixture(autouse=True)
def _clean_storage():
    yield
    for prefix in ("alpha", "beta"):
        delete_storage_prefix(prefix=prefix)


@pytest.fixture
def admin_page(tenant_a, client_for):
    return client_for(tenant_a, tenant_a.admin)


def _post(page, **fields):
    data = {"primary_color": "#112233", "secondary_color": "#445566", **fields}
    return page.post("/settings/branding/", data)


def _alpha() -> Client:
    return Client.objects.get(schema_name="alpha")


def test_colours_apply_to_every_page_and_are_audited(admin_page, tenant_a, client_for):
    assert admin_page.get("/settings/branding/").status_code == 200
    assert _post(admin_page, primary_color="#AABBCC").status_code == 302
    home = client_for(tenant_a, tenant_a.viewer).get("/")
    assert "--primary-color: #aabbcc" in home.text and "--secondary-color: #445566" in home.text
    with schema_context("alpha"):
        event = AuditEvent.objects.get(action="tenant.branding_update")
    assert event.changes["primary_color"] == ["#10b981", "#aabbcc"]


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "ICO"])
def test_logo_is_stored_under_the_tenant_prefix_and_shown_in_the_header(admin_page, tenant_a, client_for, fmt):
    response = _post(admin_page, logo=_image(fmt, name="../../etc/My Logo!!.exe"))
    assert response.status_code == 302
    logo = _alpha().logo
    assert logo.startswith("alpha/branding/logo-") and logo.endswith("." + {"JPEG": "jpg"}.get(fmt, fmt.lower()))
    assert ".." not in logo and "exe" not in logo and " " not in logo
    home = client_for(tenant_a, tenant_a.viewer).get("/")
    assert 'class="brand-logo" src="/branding/logo/?v=' in home.text
    served = client_for(tenant_a).get("/branding/logo/")
    assert served.status_code == 200
    assert served["Content-Type"].startswith("image/")
    assert b"".join(served.streaming_content) == default_storage.open(logo).read()


def test_favicon_is_linked_from_every_page(admin_page, tenant_a, client_for):
    assert _post(admin_page, favicon=_image("ICO", size=(32, 32))).status_code == 302
    home = client_for(tenant_a, tenant_a.viewer).get("/")
    assert '<link rel="icon" href="/branding/favicon/?v=' in home.text
    assert client_for(tenant_a).get("/branding/favicon/")["Content-Type"] == "image/x-icon"


def test_replacing_and_removing_the_logo_deletes_old_files(admin_page, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _post(admin_page, logo=_image("PNG"))
    first = _alpha().logo
    with django_capture_on_commit_callbacks(execute=True):
        _post(admin_page, logo=_image("GIF"))
    second = _alpha().logo
    assert second != first and not default_storage.exists(first)
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(admin_page, remove_logo="on").status_code == 302
    assert _alpha().logo == "" and not default_storage.exists(second)


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("logo.png", b"not an image at all", content_type="image/png"), "not a valid image"),
        (SimpleUploadedFile("logo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 40, content_type="image/png"), "not a valid"),
        (_image("BMP", name="logo.png"), "BMP images are not accepted"),
        (_image("TIFF", name="logo.png"), "TIFF images are not accepted"),
    ],
)
def test_files_that_are_not_accepted_images_are_form_errors(admin_page, upload, message):
    response = _post(admin_page, logo=upload)
    assert response.status_code == 400
    assert message in response.text
    assert _alpha().logo == ""
    assert list(storage_files(default_storage, "alpha")) == []


def test_oversized_logo_is_refused(admin_page, settings):
    settings.BRANDING_LOGO_MAX_BYTES = 100
    response = _post(admin_page, logo=_image("PNG", size=(200, 200)))
    assert response.status_code == 400
    assert "larger than" in response.text
    assert _alpha().logo == ""


def test_decompression_bomb_is_refused(admin_page):
    response = _post(admin_page, logo=_image("PNG", size=(5000, 5000)))
    assert response.status_code == 400
    assert _alpha().logo == ""


@pytest.mark.parametrize("colour", ["red", "#12345", "#gg0000", "", "#1122334"])
def test_bad_colours_are_form_errors(admin_page, colour):
    response = _post(admin_page, secondary_color=colour)
    assert response.status_code == 400
    assert _alpha().secondary_color == "#3b82f6"


@pytest.mark.parametrize("role", ["manager", "staff", "viewer"])
def test_roles_below_admin_are_refused(tenant_a, client_for, role):
    page = client_for(tenant_a, tenant_a.user(role))
    assert page.get("/settings/branding/").status_code == 403
    assert _post(page, primary_color="#000000").status_code == 403
    assert _alpha().primary_color == "#10b981"


def test_outsider_and_anonymous_are_refused(tenant_a, client_for, outsider):
    assert _post(client_for(tenant_a, outsider), primary_color="#000000").status_code == 403
    anonymous = _post(client_for(tenant_a), primary_color="#000000")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    assert _alpha().primary_color == "#10b981"


def test_one_tenants_branding_never_reaches_another(admin_page, tenant_b, client_for):
    _post(admin_page, logo=_image("PNG"), primary_color="#abcdef")
    beta = client_for(tenant_b, tenant_b.viewer)
    assert beta.get("/branding/logo/").status_code == 404
    home = beta.get("/")
    assert "#abcdef" not in home.text and "brand-logo" not in home.text
    # Beta's admin edits beta only.
    _post(client_for(tenant_b, tenant_b.admin), primary_color="#000001")
    assert _alpha().primary_color == "#abcdef"


def test_unknown_branding_kind_is_404(tenant_a, client_for):
    assert client_for(tenant_a).get("/branding/schema_name/").status_code == 404


def test_branding_page_warns_when_colours_cannot_be_read_as_chosen(tenant_a, client_for):
    tenant = Client.objects.get(pk=tenant_a.tenant.pk)  # a fresh copy: the session world keeps its own
    tenant.primary_color, tenant.secondary_color = "#fde047", "#a5f3fc"  # yellow, pale cyan
    tenant.save(update_fields=["primary_color", "secondary_color"])
    page = client_for(tenant_a, tenant_a.admin).get("/settings/branding/").text
    assert "the header and buttons use dark text instead" in page
    assert "too light for links on white" in page
    # The shell applies what the warnings promise: dark text on yellow, a darker link colour.
    assert "--brand: #fde047; --brand-text: #000000;" in page
    tenant.primary_color, tenant.secondary_color = "#1e3a8a", "#1d4ed8"
    tenant.save(update_fields=["primary_color", "secondary_color"])
    assert "message-warning" not in client_for(tenant_a, tenant_a.admin).get("/settings/branding/").text
