"""The one CSV writer for every export: cells a spreadsheet would run as a formula are defused.

defusedcsv prefixes cells starting with = + - @ | % (numbers such as -12.50 excepted) with a quote; it
misses a leading tab or carriage return, which spreadsheets strip before reading a formula, so those
are prefixed here first (OWASP "CSV injection").
"""

from __future__ import annotations

from typing import Any

from defusedcsv import csv as defused_csv

_STRIPPED_BY_SPREADSHEETS = ("\t", "\r")


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_STRIPPED_BY_SPREADSHEETS):
        return "'" + value
    return value


class _SafeWriter:
    def __init__(self, target: Any):
        self._writer = defused_csv.writer(target)

    def writerow(self, row) -> Any:
        return self._writer.writerow([_cell(value) for value in row])

    def writerows(self, rows) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(target: Any) -> _SafeWriter:
    """A csv.writer over `target` (a file, an HttpResponse, or an echo object for streaming)."""
    return _SafeWriter(target)
