"""Uploaded images checked by what they contain, not by their name or declared content type."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from PIL import Image, UnidentifiedImageError

from backend.exceptions import ApplicationError

EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "ICO": "ico"}
CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "gif": "image/gif", "ico": "image/x-icon"}
MAX_PIXELS = 4096 * 4096  # far beyond any logo; refuses decompression bombs before decoding


@dataclass(frozen=True)
class ImageInfo:
    format: str
    extension: str
    width: int
    height: int


def validate_image(upload: UploadedFile, *, field: str, max_bytes: int, formats: frozenset[str]) -> ImageInfo:
    if upload.size is None or upload.size > max_bytes:
        raise ApplicationError(f"The file is larger than {max_bytes // 1024} KB.", field=field)
    allowed = ", ".join(sorted(EXTENSIONS[f].upper() for f in formats))
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                image_format, (width, height) = image.format, image.size
                if width * height > MAX_PIXELS:
                    raise ApplicationError("The image has too many pixels.", field=field)
                image.verify()  # structure and checksums, without decoding every pixel
    except ApplicationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError, Warning):
        raise ApplicationError(f"The file is not a valid image ({allowed}).", field=field) from None
    finally:
        upload.seek(0)
    if image_format not in formats:
        raise ApplicationError(f"{image_format} images are not accepted; use {allowed}.", field=field)
    return ImageInfo(format=image_format, extension=EXTENSIONS[image_format], width=width, height=height)
