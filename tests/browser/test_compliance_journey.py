"""Issue 8's journey on the demo world: on acme, upload evidence to an overdue task, take it through review
to done and watch the dashboard's red count fall; the evidence URL opened in a globex session is refused."""

import pytest

from apps.tenants.management.commands.seed_demo import DEMO_PASSWORD
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _sign_in(page, base: str, email: str) -> None:
    sign_in(page, base, email, DEMO_PASSWORD)


def _count(page, rag: str) -> int:
    return int(page.locator(f"[data-rag={rag}]").inner_text())


def test_evidence_upload_and_sign_off_turn_red_to_done_and_globex_cannot_download(demo_world, page, live_server_port):
    acme = f"http://acme.localhost:{live_server_port}"
    globex = f"http://globex.localhost:{live_server_port}"
    _sign_in(page, acme, "owner@acme.example")

    page.goto(f"{acme}/compliance/")
    red, done = _count(page, "red"), _count(page, "done")
    assert red >= 1
    page.get_by_role("link", name="BRC audit — Dakota City").first.click()
    page.wait_for_selector("h1:has-text('BRC audit')")
    task_url = page.url

    page.locator("#id_title").fill("BRC certificate 2027")
    page.set_input_files("#id_file", files=[{"name": "brc cert.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.get_by_role("button", name="Upload evidence").click()
    page.wait_for_selector("a.evidence-link:has-text('brc_cert.pdf')")
    evidence_href = page.locator("a.evidence-link").first.get_attribute("href")

    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_selector("button:has-text('Mark done')")
    page.get_by_role("button", name="Mark done").click()
    page.wait_for_selector("dd:has-text('Done')")
    assert page.url == task_url

    page.goto(f"{acme}/compliance/")
    assert _count(page, "red") == red - 1
    assert _count(page, "done") == done + 1

    with page.expect_download() as download_info:
        page.evaluate(
            "href => { const a = document.createElement('a'); a.href = href; document.body.append(a); a.click(); }",
            evidence_href,
        )
    assert download_info.value.suggested_filename == "brc_cert.pdf"

    # The same evidence URL in a globex session: not found there (ids are per tenant schema).
    page.context.clear_cookies()
    _sign_in(page, globex, "staff@globex.example")
    response = page.goto(f"{globex}{evidence_href}")
    assert response.status == 404
    assert "%PDF" not in page.content()
