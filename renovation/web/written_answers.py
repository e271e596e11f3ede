"""Residents' written answers for the bureau, shared by the staff page and the API: who may
read the texts, the logged read, and the CSV and XLSX exports (Chinese headers by default).

Texts come from the written-answers read model; the flat is shown by building and unit only.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Response, current_app
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from renovation.accounts import User
from renovation.projections.written_answers import count_written_answers, read_written_answers
from renovation.reports.contexts import local_time
from renovation.web import runtime
from renovation.web.i18n import label

EXPORT_FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def may_read_texts(user: User, district: str) -> bool:
    """Staff of the district and admins read the texts; auditors only where the service's
    configuration lets them (WRITTEN_ANSWERS_FOR_AUDITORS=1), else counts."""
    if user.role == "auditor":
        return bool(current_app.config.get("WRITTEN_ANSWERS_FOR_AUDITORS"))
    return user.may_write_in(district)


def written_answers_for(
    user: User, project_id: str, round_id: str, district: str, *, purpose: str
) -> tuple[list[dict[str, Any]], bool]:
    """The round's questions with their answers (logged), or with counts only; and whether
    the texts are in it."""
    groups = read_written_answers(runtime().engine, project_id, round_id)
    if not may_read_texts(user, district):
        counts = count_written_answers(runtime().engine, project_id, round_id)
        return [
            {
                "question_id": g["question_id"],
                "text": g["text"],
                "count": counts.get(g["question_id"], 0),
                "answers": None,
            }
            for g in groups
        ], False
    for group in groups:
        group["count"] = len(group["answers"])
    if any(g["answers"] for g in groups):
        runtime().vault.log_read(
            actor_id=user.actor_id,
            actor_role=user.role,
            project_id=project_id,
            subject=f"consultation:{round_id}:written-answers",
            purpose=purpose,
        )
    return groups, True


def taken_up_words(answer: dict[str, Any]) -> str:
    if not answer["taken_up_into"]:
        return ""
    words = label("taken_up_into", answer["taken_up_into"])
    if answer["taken_up_opinion_id"]:
        words += f" ({answer['taken_up_opinion_id']})"
    return words


def export_table(groups: list[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    headers = [
        _("Question"),
        _("Building"),
        _("Unit"),
        _("Written answer"),
        _("Answered at"),
        _("Taken up"),
        _("Remarks"),
    ]
    rows = [
        [
            group["text"],
            answer["building"],
            answer["unit"],
            answer["text"],
            local_time(answer["answered_at"]) or "",
            taken_up_words(answer),
            answer["taken_up_note"] or "",
        ]
        for group in groups
        for answer in group["answers"]
    ]
    return headers, rows


def export_response(groups: list[dict[str, Any]], fmt: str, filename: str) -> Response:
    """The answers as a CSV file (UTF-8 with a BOM, which Excel needs for Chinese) or XLSX."""
    headers, rows = export_table(groups)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(headers)
        writer.writerows([[_safe_cell(c) for c in row] for row in rows])
        body, mimetype = ("\ufeff" + out.getvalue()).encode("utf-8"), "text/csv"
    else:
        book = Workbook()
        sheet = book.active
        sheet.title = _("Written answers")[:31]
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        for line in sheet.iter_rows(min_row=2):
            for cell in line:
                cell.data_type = "s"  # a resident's text is text, never a formula
        for letter, width in zip("ABCDEFG", (30, 8, 8, 60, 18, 20, 30), strict=True):
            sheet.column_dimensions[letter].width = width
        for cell in sheet["D"]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        buffer = io.BytesIO()
        book.save(buffer)
        body, mimetype = buffer.getvalue(), XLSX_TYPE
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}.{fmt}"'},
    )


def _safe_cell(value: str) -> str:
    """A resident's text opened from a CSV file is text, never a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
