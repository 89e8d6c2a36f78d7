"""backend.csv_safe: the one CSV writer every export uses; cells a spreadsheet would run are defused."""

import io

import pytest

from backend.csv_safe import csv_writer


def _line(*cells) -> str:
    buffer = io.StringIO()
    csv_writer(buffer).writerow(cells)
    return buffer.getvalue().rstrip("\r\n")


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK(""http://evil"")'),
        ("+1+cmd", "'+1+cmd"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("%0A", "'%0A"),
    ],
)
def test_formula_like_cells_are_prefixed(cell, written):
    assert written in _line(cell)


@pytest.mark.parametrize("cell", ["-12.50", "1,000.00", "plain text", "", "a=b"])
def test_numbers_and_plain_text_are_unchanged(cell):
    assert _line("x", cell) == ("x," + (f'"{cell}"' if "," in cell else cell))


def test_none_and_numbers_pass_through():
    assert _line(None, 3, -4.5) == ",3,-4.5"


def test_writing_returns_the_line_for_streaming():
    class Echo:
        def write(self, value):
            return value

    assert csv_writer(Echo()).writerow(["=1", "b"]) == "'=1,b\r\n"
