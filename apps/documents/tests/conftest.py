import io

import pytest
from procrastinate import testing
from procrastinate.contrib.django import app
from pypdf import PdfReader


@pytest.fixture
def in_memory_queue():
    """Jobs deferred during the test land here instead of the real queue table."""
    connector = testing.InMemoryConnector()
    with app.replace_connector(connector):
        yield connector


def pdf_text(content: bytes) -> str:
    """All text of a PDF, pages joined (what a reader of the document sees)."""
    assert content.startswith(b"%PDF-"), content[:20]
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
