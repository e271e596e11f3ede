"""The district figures and the project list as tables a bureau sends upward: XLSX and CSV.

Headers are the catalogue's labels in the language asked for (Chinese by default); values are
the read model's, numbers as numbers where a spreadsheet should add them up.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from renovation.vocabulary import Vocabulary

PROJECT_COLUMNS = (
    "name",
    "district",
    "year",
    "batch",
    "stage",
    "progress",
    "households",
    "adoption_rate",
    "satisfaction_rate",
    "opinions_open",
    "opinions_overdue",
    "items_open",
    "items_overdue",
    "next_deadline",
    "investment_planned",
    "investment_spent",
)
INVESTMENT_COLUMNS = ("source", "planned", "spent", "spent_rate", "over_plan")
ITEM_COLUMNS = ("category", "item", "unit", "planned", "actual", "done_rate")
FIGURE_KEYS = (
    "projects",
    "communities",
    "buildings",
    "households",
    "accepted_projects",
    "households_benefited",
    "lifts_proposed",
    "lifts_in_service",
    "investment_total",
    "investment_spent",
    "opinions_received",
    "opinions_answered",
    "opinions_on_time_rate",
    "opinions_adoption_rate",
    "opinions_overdue",
    "answer_satisfaction_rate",
    "evaluated_projects",
    "satisfaction_rate",
    "rectification_open",
    "rectification_overdue",
)


def figure_values(figures: dict[str, Any]) -> dict[str, Any]:
    """The headline figures by their label key, in the order they are published."""
    opinions, satisfaction = figures["opinions"], figures["satisfaction"]
    values = {
        "projects": figures["projects"],
        "communities": figures["communities"],
        "buildings": figures["buildings"],
        "households": figures["households"],
        "accepted_projects": figures["accepted_projects"],
        "households_benefited": figures["households_benefited"],
        "lifts_proposed": figures["lifts_proposed"],
        "lifts_in_service": figures["lifts_in_service"],
        "investment_total": Decimal(figures["investment_total"]),
        "investment_spent": Decimal(figures["investment_spent"]),
        "opinions_received": opinions["received"],
        "opinions_answered": opinions["answered"],
        "opinions_on_time_rate": opinions["on_time_rate"],
        "opinions_adoption_rate": opinions["adoption_rate"],
        "opinions_overdue": opinions["overdue"],
        "answer_satisfaction_rate": opinions["answer_satisfaction_rate"],
        "evaluated_projects": satisfaction["evaluated"],
        "satisfaction_rate": satisfaction["rate"],
        "rectification_open": figures["rectification"]["open"],
        "rectification_overdue": figures["rectification"]["overdue"],
    }
    return {key: values[key] for key in FIGURE_KEYS}


def figure_rows(figures: dict[str, Any], words: Vocabulary) -> list[list[Any]]:
    """Figure, value: the headline figures, then each content item's done against planned."""
    rows: list[list[Any]] = [
        [words.label("figure_column", "figure"), words.label("figure_column", "value")]
    ]
    rows += [[words.label("figure", k), v] for k, v in figure_values(figures).items()]
    return [*rows, [], *investment_rows(figures, words)]


def investment_rows(figures: dict[str, Any], words: Vocabulary) -> list[list[Any]]:
    """Each funding source's planned and spent investment, flagged where spent is beyond it."""
    rows: list[list[Any]] = [[words.label("figure_column", c) for c in INVESTMENT_COLUMNS]]
    for line in figures["investment"]:
        rows.append(
            [
                line["source"],
                Decimal(line["planned"]),
                Decimal(line["spent"]),
                line["spent_rate"],
                words.label("figure_column", "over_plan") if line["over_plan"] else "",
            ]
        )
    return rows


def item_rows(figures: dict[str, Any], words: Vocabulary) -> list[list[Any]]:
    rows: list[list[Any]] = [[words.label("figure_column", c) for c in ITEM_COLUMNS]]
    for item in figures["items"]:
        rows.append(
            [
                words.label("content_category", item["category"]),
                item["item"],
                item["unit"],
                Decimal(item["planned"]),
                Decimal(item["actual"]),
                item["done_rate"],
            ]
        )
    return rows


def project_rows(lines: list[dict[str, Any]], words: Vocabulary) -> list[list[Any]]:
    rows: list[list[Any]] = [[words.label("figure_column", c) for c in PROJECT_COLUMNS]]
    for line in lines:
        row = [line[c] for c in PROJECT_COLUMNS]
        row[PROJECT_COLUMNS.index("stage")] = words.label("project_stage", line["stage"])
        if line["progress"] is not None:
            row[PROJECT_COLUMNS.index("progress")] = Decimal(line["progress"])
        for money in ("investment_planned", "investment_spent"):
            row[PROJECT_COLUMNS.index(money)] = Decimal(line[money])
        rows.append(row)
    return rows


def xlsx(sheets: dict[str, list[list[Any]]]) -> bytes:
    """A workbook with one sheet per table, the header row frozen."""
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title[:31])
        for row in rows:
            sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
        sheet.freeze_panes = "A2"
        for column in sheet.columns:
            width = max(len(str(c.value or "")) for c in column) * 2 + 2
            sheet.column_dimensions[column[0].column_letter].width = min(width, 40)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese headers."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue().encode("utf-8-sig")
