"""PDFs of business documents drawn on the server with ReportLab: one layout (letterhead, parties, a table of
lines, totals, payment details) filled by each kind — invoice, purchase order, sales-order confirmation,
customer statement. Amounts, numbers and dates are written in the tenant's locale."""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from babel.dates import format_date
from django.core.files.storage import default_storage
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from backend import formatting

_STYLES = getSampleStyleSheet()
BODY = ParagraphStyle("body", parent=_STYLES["Normal"], fontName="Helvetica", fontSize=9, leading=11.5)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=7.5, leading=9.5, textColor=colors.HexColor("#4b5563"))
HEAD = ParagraphStyle("head", parent=BODY, fontName="Helvetica-Bold", fontSize=8, textColor=colors.HexColor("#374151"))
TITLE = ParagraphStyle("title", parent=BODY, fontName="Helvetica-Bold", fontSize=18, leading=22, alignment=TA_RIGHT)
RIGHT = ParagraphStyle("right", parent=BODY, alignment=TA_RIGHT)
# Helvetica is a WinAnsi font: a narrow no-break space (some locales group with it) would print as a box.
_UNPRINTABLE = str.maketrans({"\u202f": "\u00a0", "\u2009": " "})


@dataclass(frozen=True)
class Letterhead:
    """Who the document is from: the tenant's company details and branding."""

    name: str
    address_lines: list[str]
    contact_line: str
    tax_id: str
    remit_to: str
    bank_details: str
    note: str
    brand: str  # "#rrggbb"
    logo: bytes | None
    currency: str
    locale: str


@dataclass
class Document:
    """Everything one PDF shows; `columns` are (label, numeric?) and each row has one text per column."""

    title: str
    number: str
    facts: list[tuple[str, str]]
    parties: list[tuple[str, list[str]]]
    columns: list[tuple[str, bool]]
    rows: list[list[str]]
    totals: list[tuple[str, str]]
    widths: Sequence[float] = ()
    remarks: list[str] = field(default_factory=list)
    payment_details: bool = False


class Formatter:
    """Money, numbers and dates as the tenant writes them."""

    def __init__(self, *, currency: str, locale: str) -> None:
        self.currency, self.locale = currency or "USD", locale or formatting.DEFAULT_LOCALE

    def money(self, value) -> str:
        return formatting.money(value, self.currency, self.locale).translate(_UNPRINTABLE)

    def number(self, value, places: int | None = None) -> str:
        return formatting.number(value, self.locale, places=places).translate(_UNPRINTABLE)

    def day(self, value: datetime.date | None) -> str:
        return format_date(value, format="medium", locale=self.locale).translate(_UNPRINTABLE) if value else ""


def logo_bytes(name: str) -> bytes | None:
    """The tenant's uploaded logo, or None when there is none or it cannot be read."""
    if not name:
        return None
    try:
        with default_storage.open(name, "rb") as handle:
            return handle.read()
    except (FileNotFoundError, OSError):
        return None


def _p(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _logo(data: bytes | None) -> Image | None:
    if not data:
        return None
    try:
        reader = ImageReader(io.BytesIO(data))
        width, height = reader.getSize()
    except Exception:  # noqa: BLE001 — an unreadable upload leaves the document without a logo, never a 500
        return None
    scale = min(45 * mm / width, 16 * mm / height)
    return Image(io.BytesIO(data), width=width * scale, height=height * scale)


def _header(head: Letterhead, document: Document) -> Table:
    sender = [_p(head.name, HEAD)] + [_p(line) for line in head.address_lines]
    if head.contact_line:
        sender.append(_p(head.contact_line, SMALL))
    if head.tax_id:
        sender.append(_p(f"Tax id: {head.tax_id}", SMALL))
    logo = _logo(head.logo)
    left = [logo, Spacer(1, 2 * mm), *sender] if logo else sender
    right = [_p(document.title, TITLE), _p(document.number, RIGHT), Spacer(1, 2 * mm)]
    right += [_p(f"{label}: {value}", RIGHT) for label, value in document.facts if value]
    table = Table([[left, right]], colWidths=[95 * mm, 85 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return table


def _parties(document: Document) -> Table:
    cells = [[_p(label, HEAD), *[_p(line) for line in lines if line]] for label, lines in document.parties]
    width = 180 * mm / max(len(cells), 1)
    table = Table([cells], colWidths=[width] * len(cells))
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return table


def _lines(head: Letterhead, document: Document) -> Table:
    header = [
        _p(label, HEAD) if not numeric else _p(label, ParagraphStyle("hr", parent=HEAD, alignment=TA_RIGHT))
        for label, numeric in document.columns
    ]
    numeric = [is_number for _label, is_number in document.columns]
    body = [list(row) for row in document.rows]
    span = len(document.columns) - 1
    totals = [["" for _ in range(span)] + [value] for _label, value in document.totals]
    for row, (label, _value) in zip(totals, document.totals, strict=True):
        row[span - 1] = label
    widths = list(document.widths) or None
    table = Table([header, *body, *totals], colWidths=widths, repeatRows=1)
    brand = colors.HexColor(head.brand) if head.brand.startswith("#") and len(head.brand) == 7 else colors.grey
    style = [
        ("FONT", (0, 1), (-1, -1), "Helvetica", 9),
        ("LINEBELOW", (0, 0), (-1, 0), 1.2, brand),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ROWBACKGROUNDS", (0, 1), (-1, len(body)), [colors.white, colors.HexColor("#f6f7f9")]),
    ]
    style += [("ALIGN", (index, 1), (index, -1), "RIGHT") for index, is_number in enumerate(numeric) if is_number]
    if totals:
        first_total = len(body) + 1
        style += [
            ("LINEABOVE", (span - 1, first_total), (-1, first_total), 0.6, colors.black),
            ("FONT", (span - 1, first_total), (-1, -1), "Helvetica-Bold", 9),
            ("ALIGN", (span - 1, first_total), (-1, -1), "RIGHT"),
        ]
    table.setStyle(TableStyle(style))
    return table


def _payment_details(head: Letterhead) -> list:
    parts = []
    if head.remit_to:
        parts += [_p("Remit to", HEAD), _p(head.remit_to), Spacer(1, 2 * mm)]
    if head.bank_details:
        parts += [_p("Bank details", HEAD), _p(head.bank_details), Spacer(1, 2 * mm)]
    return parts


def render(head: Letterhead, document: Document) -> bytes:
    """The document as PDF bytes (US Letter)."""
    buffer = io.BytesIO()

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(colors.HexColor("#4b5563"))
        text = f"{document.title} {document.number} · page {doc.page}"
        if head.note:
            canvas.drawString(15 * mm, 10 * mm, head.note.translate(_UNPRINTABLE)[:160])
        canvas.drawRightString(LETTER[0] - 15 * mm, 10 * mm, text)
        canvas.restoreState()

    pdf = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
        title=f"{document.title} {document.number}",
        author=head.name,
    )
    story = [_header(head, document), Spacer(1, 6 * mm), _parties(document), Spacer(1, 6 * mm)]
    story.append(_lines(head, document))
    story.append(Spacer(1, 6 * mm))
    for remark in document.remarks:
        story += [_p(remark), Spacer(1, 2 * mm)]
    if document.payment_details:
        story += _payment_details(head)
    pdf.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
