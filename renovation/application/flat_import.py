"""Reading a flat register from an XLSX or CSV file, and the command that imports it.

The file is read here (openpyxl, csv); its rows are checked by the aggregate
(``renovation.domain.parts.flat_register``), which refuses the whole file for one bad row.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from typing import Any
from uuid import UUID

from openpyxl import load_workbook

from renovation.application.base import CommandResult
from renovation.domain.errors import DomainError
from renovation.domain.participation import flat_id
from renovation.domain.parts.flat_register import FlatImportRefusedError, check_rows, merged
from renovation.domain.project import Actor

MAX_FILE_BYTES = 1024 * 1024  # 5,000 rows of a register fit in about 200 KB
XLSX_MAGIC = b"PK\x03\x04"


class FlatImportFileError(DomainError):
    """The file is not a register that can be read: not XLSX/CSV, too large, unreadable."""

    code = "import_not_spreadsheet"


def read_register(filename: str, content: bytes) -> tuple[list[Any], list[tuple[int, list]]]:
    """The file's header and its rows with their row numbers (the header is row 1)."""
    if len(content) > MAX_FILE_BYTES:
        raise FlatImportFileError(
            "import_file_too_large", field="file", max_kb=MAX_FILE_BYTES // 1024
        )
    name = (filename or "").lower()
    if name.endswith(".xlsx") and content.startswith(XLSX_MAGIC):
        rows = _xlsx_rows(content)
    elif name.endswith(".csv") and not content.startswith(XLSX_MAGIC) and b"\0" not in content:
        rows = _csv_rows(content)
    else:
        raise FlatImportFileError(field="file")
    if not rows:
        raise FlatImportFileError("import_no_rows", field="file")
    return list(rows[0]), [(index + 2, list(row)) for index, row in enumerate(rows[1:])]


def _xlsx_rows(content: bytes) -> list[tuple]:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise FlatImportFileError(field="file") from error
    try:
        return list(book.worksheets[0].iter_rows(values_only=True)) if book.worksheets else []
    finally:
        book.close()


def _csv_rows(content: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return list(csv.reader(io.StringIO(text)))
    raise FlatImportFileError(field="file")


def with_register_file(
    buildings: list[dict[str, Any]], filename: str, content: bytes
) -> list[dict[str, Any]]:
    """A registration's buildings with a register file's flats added (registering a compound
    with its whole register in one step). The rows are checked as a later import checks them,
    against each other and the flats typed in; FlatImportRefusedError names every refused row
    (FlatImportFileError: not a register at all), and then nothing is to be registered."""
    header, rows = read_register(filename, content)
    typed = {
        flat_id(str(b.get("code")), str(u.get("code")), str(f.get("number")))
        for b in buildings
        if isinstance(b, dict)
        for u in b.get("units") or []
        if isinstance(u, dict)
        for f in u.get("flats") or []
        if isinstance(f, dict)
    }
    flats, problems = check_rows(header, rows, typed)
    if problems:
        raise FlatImportRefusedError(problems)
    return merged([b for b in buildings if isinstance(b, dict)], flats)


class FlatRegisterArea:
    """The flat register's commands (mixed into the application)."""

    def import_flats(
        self,
        project_id: UUID,
        filename: str,
        content: bytes,
        *,
        actor: Actor,
        effective_on: date | None = None,
        expected_version: int | None = None,
        command_id: str | None = None,
    ) -> CommandResult:
        """Add the file's buildings, units and flats; one refused row refuses the file."""
        header, rows = read_register(filename, content)
        return self.execute(  # type: ignore[attr-defined]
            project_id,
            lambda p: p.import_flats(
                header,
                rows,
                source=filename or "",
                actor=actor,
                command_id=command_id,
                effective_on=effective_on,
            ),
            expected_version=expected_version,
            command_id=command_id,
            replay=lambda event: event.added,
        )

    def correct_flat(
        self,
        project_id: UUID,
        flat_id: str,
        *,
        area: Any = None,
        owner_ref: str | None = None,
        effective_on: date | None,
        reason: str,
        actor: Actor,
        expected_version: int | None = None,
        command_id: str | None = None,
    ) -> CommandResult:
        """Correct a flat's area or owner from a date; polls opened since count the new one."""
        return self.execute(  # type: ignore[attr-defined]
            project_id,
            lambda p: p.correct_flat(
                flat_id,
                area=area,
                owner_ref=owner_ref,
                effective_on=effective_on,
                reason=reason,
                actor=actor,
                command_id=command_id,
            ),
            expected_version=expected_version,
            command_id=command_id,
        )
