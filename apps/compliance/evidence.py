"""Evidence uploads checked by what they contain (PDF signature, or an image Pillow can read), within the
size limit, under a sanitised name whose extension matches the detected type."""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings

from backend.exceptions import ApplicationError
from backend.images import CONTENT_TYPES, validate_image

IMAGE_FORMATS = frozenset({"PNG", "JPEG", "GIF"})
ACCEPTED = "PDF, PNG, JPEG or GIF"


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str


def sanitise_filename(name: str, *, extension: str) -> str:
    """The last path component, reduced to letters, digits, dots, dashes and underscores, with the detected
    extension: `../../etc/passwd` → `passwd.pdf`, `C:\\x\\scan.PNG` → `scan.png`."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    stem = os.path.splitext(base)[0]
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._-")[:100] or "evidence"
    return f"{stem}.{extension}"


def _is_pdf(upload) -> bool:
    upload.seek(0)
    head = upload.read(1024)
    upload.seek(0)
    return head.lstrip(b"\r\n\t ").startswith(b"%PDF-")


def validate_evidence(upload) -> CheckedFile:
    max_bytes = settings.COMPLIANCE_EVIDENCE_MAX_BYTES
    if upload.size is None or upload.size > max_bytes:
        raise ApplicationError(f"The file is larger than {max_bytes // (1024 * 1024)} MB.", field="file")
    if upload.size == 0:
        raise ApplicationError("The file is empty.", field="file")
    if _is_pdf(upload):
        return CheckedFile(filename=sanitise_filename(upload.name, extension="pdf"), content_type="application/pdf")
    try:
        info = validate_image(upload, field="file", max_bytes=max_bytes, formats=IMAGE_FORMATS)
    except ApplicationError as exc:
        raise ApplicationError(f"The file is not a {ACCEPTED} document.", field="file") from exc
    return CheckedFile(
        filename=sanitise_filename(upload.name, extension=info.extension),
        content_type=CONTENT_TYPES[info.extension],
    )
