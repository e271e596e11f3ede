"""District figures (public), their exports, and the programme year and batch (staff)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from flask import Response
from flask.views import MethodView
from marshmallow import Schema, fields

from renovation.domain.base import LOCAL_TZ
from renovation.domain.project import MAX_BATCH, PROGRAMME_YEARS
from renovation.projections.figures_sum import district_figures, figure_states, project_line
from renovation.reports import figure_tables
from renovation.vocabulary import vocabulary
from renovation.web import runtime
from renovation.web.access import PUBLIC, STAFF, access
from renovation.web.api.schemas import CommandResultSchema
from renovation.web.api.writes import WRITE_ROLES, Blueprint, committed, staff_write
from renovation.web.auth import require_role
from renovation.web.validation import Length, OneOf, Range

blp = Blueprint(
    "figures", __name__, url_prefix="/api", description="District figures (区级统计数据)"
)

YEAR = {"validate": Range(min=PROGRAMME_YEARS[0], max=PROGRAMME_YEARS[1])}


class ProgrammeCreateSchema(Schema):
    year = fields.Integer(required=True, strict=True, **YEAR)
    batch = fields.String(load_default="", validate=Length(max=MAX_BATCH))
    effective_on = fields.Date(allow_none=True)


class FiguresQueryArgsSchema(Schema):
    year = fields.Integer(metadata={"description": "the programme year (年度)"}, **YEAR)
    as_of = fields.Date(
        metadata={"description": "the figures as they stood at the end of this day"}
    )


class ExportQueryArgsSchema(FiguresQueryArgsSchema):
    lang = fields.String(load_default="zh", validate=OneOf(["zh", "en"]))


class DistrictFiguresSchema(Schema):
    district = fields.String(allow_none=True)
    year = fields.Integer(allow_none=True)
    as_of = fields.String()
    figures = fields.Dict()
    projects = fields.List(fields.Dict())


def figures_for(district: str | None, args: dict[str, Any]) -> dict[str, Any]:
    """The district's (or the city's) figures and project lines, now or at the end of a day."""
    day = args.get("as_of") or datetime.now(LOCAL_TZ).date()
    states = figure_states(
        runtime().engine, district=district, year=args.get("year"), as_of=args.get("as_of")
    )
    return {
        "district": district,
        "year": args.get("year"),
        "as_of": day.isoformat(),
        "figures": district_figures(states, today=day),
        "projects": [project_line(s, day) for s in states],
    }


@blp.route("/projects/<uuid:project_id>/programme")
class Programme(MethodView):
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(ProgrammeCreateSchema)
    @blp.response(200, CommandResultSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID):
        """Put the project in a programme year (年度, 2019–2100) and batch (批次)."""
        result = runtime().app.assign_programme(
            project_id,
            data["year"],
            data["batch"],
            effective_on=data.get("effective_on"),
            **staff_write(project_id).kwargs,
        )
        return committed(result)


@blp.route("/figures")
class CityFigures(MethodView):
    @access(PUBLIC)
    @blp.arguments(FiguresQueryArgsSchema, location="query")
    @blp.response(200, DistrictFiguresSchema)
    def get(self, args: dict[str, Any]):
        """The city's figures, every district together (public), of a year, as of a day."""
        return figures_for(None, args)


@blp.route("/districts/<string:district>/figures")
class DistrictFigures(MethodView):
    @access(PUBLIC)
    @blp.arguments(FiguresQueryArgsSchema, location="query")
    @blp.response(200, DistrictFiguresSchema)
    def get(self, args: dict[str, Any], district: str):
        """A district's figures and one line per project (public), of a year, as of a day."""
        return figures_for(district, args)


def _export(district: str, args: dict[str, Any], what: str, kind: str) -> Response:
    found = figures_for(district, args)
    words = vocabulary(args["lang"])
    tables = {
        words.label("figure_column", "figure"): figure_tables.figure_rows(found["figures"], words),
        words.label("figure_column", "item"): figure_tables.item_rows(found["figures"], words),
    }
    if what == "projects":
        tables = {
            words.label("figure_column", "name"): figure_tables.project_rows(
                found["projects"], words
            )
        }
    name = f"{what}-{found['year'] or 'all'}-{found['as_of']}.{kind}"
    if kind == "xlsx":
        body = figure_tables.xlsx(tables)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = figure_tables.csv_bytes(next(iter(tables.values())))
        mimetype = "text/csv; charset=utf-8"
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@blp.route("/districts/<string:district>/<any(figures, projects):what>.<any(xlsx, csv):kind>")
class DistrictExport(MethodView):
    @access(PUBLIC)
    @blp.arguments(ExportQueryArgsSchema, location="query")
    @blp.response(200, content_type="application/octet-stream", description="XLSX or CSV")
    def get(self, args: dict[str, Any], district: str, what: str, kind: str):
        """The district's figures or project list as XLSX or CSV, Chinese headers (public)."""
        return _export(district, args, what, kind)


@blp.route("/districts/<string:district>/report.pdf")
class DistrictReport(MethodView):
    @access(PUBLIC)
    @blp.arguments(ExportQueryArgsSchema, location="query")
    @blp.response(200, content_type="application/pdf", description="the district report (PDF)")
    def get(self, args: dict[str, Any], district: str):
        """The district report (public): figures, charts, one line per project; of a year,
        as of the end of a day."""
        from renovation.reports.district import district_report_pdf

        pdf = district_report_pdf(
            runtime(), district, year=args.get("year"), as_of=args.get("as_of"), lang=args["lang"]
        )
        return Response(
            pdf,
            mimetype="application/pdf",
            headers={"Content-Disposition": 'inline; filename="district-report.pdf"'},
        )
