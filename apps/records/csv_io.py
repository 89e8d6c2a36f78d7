"""CSV export (streamed) and import (validated row by row, all or nothing) for business records."""

from __future__ import annotations

import copy
import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db import models, transaction
from django.http import HttpResponse, StreamingHttpResponse

from apps.accounts.permissions import Capability, require_capability
from backend.chunks import keyset_iterator
from backend.csv_safe import csv_writer
from backend.errors import error_body
from backend.exceptions import ApplicationError

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 5000


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(record: models.Model, column: str) -> str:
    value = getattr(record, column)
    if isinstance(value, models.Model):
        value = getattr(value, "code", value.pk)
    if value is None:
        return ""
    return str(value)  # formula-like cells are defused by backend.csv_safe


def csv_rows(*, queryset: models.QuerySet, columns: list[str]) -> Iterator[list[str]]:
    yield columns
    # Keyset chunks, not .iterator(): no server-side cursor exists behind the pooler (backend/chunks.py).
    for record in keyset_iterator(queryset, chunk_size=1000):
        yield [_cell(record, column) for column in columns]


def csv_response(*, queryset: models.QuerySet, columns: list[str], filename: str) -> StreamingHttpResponse:
    writer = csv_writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in csv_rows(queryset=queryset, columns=columns)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated, "rejected": self.rejected}

    def as_api_body(self) -> dict[str, Any]:
        """200: the counts; 400 (rows rejected, nothing written): the API error body plus the counts."""
        if self.ok:
            return self.as_dict()
        rows = len(self.rejected)
        detail = f"{rows} row{'s' if rows != 1 else ''} rejected; nothing was written."
        return error_body(detail, "rows_rejected", fields={}, **self.as_dict())


def _read_rows(upload, columns: list[str]) -> list[dict[str, str]]:
    """Parse the whole file first; anything malformed refuses the file before a single row is written."""
    if upload is None:
        raise ApplicationError("Choose a CSV file to import.", field="file")
    if upload.size > MAX_IMPORT_BYTES:
        raise ApplicationError(f"The file is larger than {MAX_IMPORT_BYTES // 1024 // 1024} MB.", field="file")
    raw = upload.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ApplicationError("The file is not UTF-8 encoded CSV text.", field="file") from exc
    if "\x00" in text:
        raise ApplicationError("The file is not CSV text.", field="file")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        body = list(reader)
    except csv.Error as exc:
        raise ApplicationError(f"The file is not valid CSV: {exc}.", field="file") from exc
    if header is None:
        raise ApplicationError("The file is empty.", field="file")
    header = [name.strip() for name in header]
    if header != columns:
        raise ApplicationError(f"The header must be exactly: {','.join(columns)}.", field="file")
    if len(body) > MAX_IMPORT_ROWS:
        raise ApplicationError(f"The file has more than {MAX_IMPORT_ROWS} rows.", field="file")
    rows = []
    for number, values in enumerate(body, start=2):
        if not any(value.strip() for value in values):
            continue
        if len(values) != len(columns):
            raise ApplicationError(
                f"Row {number} has {len(values)} values; the header has {len(columns)}.", field="file"
            )
        rows.append({"_row": number, **dict(zip(columns, values, strict=True))})
    return rows


def csv_import(
    *,
    upload,
    user,
    columns: list[str],
    form_class: type[forms.ModelForm],
    find_existing: Callable[[dict[str, str]], models.Model | None],
    create: Callable[..., models.Model],
    update: Callable[..., models.Model],
) -> ImportResult:
    """Create or update (matched by `find_existing`) one record per row through the app's services.

    Every row is validated with the same form as the pages and written with the same services, so the
    audit log sees each row. One rejected row rolls the whole import back and the report lists every
    rejected row with its reasons.
    """
    require_capability(user=user, capability=Capability.EDIT)
    rows = _read_rows(upload, columns)
    result = ImportResult()
    first_row_of_code: dict[str, int] = {}
    with transaction.atomic():
        for row in rows:
            number = row.pop("_row")
            data = {key: value.strip() for key, value in row.items()}
            code = data.get("code", "").upper()
            if code and code in first_row_of_code:
                message = f"The code {code} already appears on row {first_row_of_code[code]}."
                result.rejected.append({"row": number, "errors": {"code": [message]}})
                continue
            first_row_of_code.setdefault(code, number)
            existing = find_existing(data)
            # The form works on a copy so the update service still sees the stored values to diff against.
            form = form_class(data=_form_data(form_class, data), instance=copy.copy(existing))
            if not form.is_valid():
                result.rejected.append({"row": number, "errors": _form_errors(form)})
                continue
            try:
                with transaction.atomic():
                    if existing is None:
                        create(user=user, data=form.cleaned_data)
                        result.created += 1
                    else:
                        update(user=user, record=existing, data=form.cleaned_data)
                        result.updated += 1
            except ApplicationError as exc:
                result.rejected.append({"row": number, "errors": exc.as_dict()})
        if result.rejected:
            transaction.set_rollback(True)
            result.created = result.updated = 0
    return result


def _form_data(form_class: type[forms.ModelForm], data: dict[str, str]) -> dict[str, str]:
    """CSV booleans arrive as words; checkbox fields expect a missing key for False. A choice may be written
    as people read it on the pages ("Net 14", "On hold") as well as by its stored value ("14", "on_hold")."""
    cleaned = dict(data)
    for name, form_field in form_class.base_fields.items():
        is_checkbox = isinstance(form_field, forms.BooleanField) and name in cleaned
        if is_checkbox and cleaned[name].lower() in ("", "0", "false", "no", "n"):
            cleaned.pop(name)
        elif isinstance(form_field, forms.ChoiceField) and cleaned.get(name):
            cleaned[name] = choice_value(form_field, cleaned[name])
    return cleaned


def choice_value(form_field: forms.ChoiceField, text: str) -> str:
    """The stored value for `text` when it is a choice's label (case and spacing ignored), else `text`."""
    wanted = " ".join(text.split()).casefold()
    if any(str(value).casefold() == wanted for value, _label in form_field.choices):
        return text
    for value, label in form_field.choices:
        if isinstance(label, str) and " ".join(label.split()).casefold() == wanted:
            return str(value)
    return text


def csv_template_response(*, columns: list[str], filename: str) -> HttpResponse:
    """The header row an import expects, as a file to fill in."""
    out = io.StringIO()
    csv_writer(out).writerow(columns)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _form_errors(form: forms.Form) -> dict[str, list[str]]:
    return {
        ("non_field_errors" if name == "__all__" else name): [str(message) for message in messages]
        for name, messages in form.errors.items()
    }
