"""The completion acceptance record (竣工验收记录) as a PDF: public, like the project report."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response
from flask.views import MethodView

from renovation.web import runtime
from renovation.web.access import PUBLIC, access
from renovation.web.api.schemas import ReportQueryArgsSchema
from renovation.web.api.writes import Blueprint

blp = Blueprint(
    "acceptance_report",
    __name__,
    url_prefix="/api/projects",
    description="Completion acceptance record (竣工验收记录)",
)


def photo_thumbnail(rt: Any):
    """The photo store's thumbnail reader, when the runtime has a store that can make them."""
    store = getattr(rt.app, "photo_store", None)
    return getattr(store, "thumbnail", None) if store is not None else None


@blp.route("/<uuid:project_id>/acceptance.pdf")
class AcceptanceRecord(MethodView):
    @access(PUBLIC)
    @blp.arguments(ReportQueryArgsSchema, location="query")
    @blp.response(
        200, content_type="application/pdf", description="the completion acceptance record (PDF)"
    )
    def get(self, args: dict[str, Any], project_id: UUID):
        """The completion acceptance record, from the read model, now or as of a past time.

        A project without an acceptance record gets a record saying so.
        """
        from renovation.reports.acceptance import acceptance_record_pdf

        rt = runtime()
        pdf = acceptance_record_pdf(
            rt,
            project_id,
            as_of=args.get("as_of"),
            lang=args["lang"],
            thumbnail=photo_thumbnail(rt),
        )
        return Response(
            pdf,
            mimetype="application/pdf",
            headers={"Content-Disposition": f'inline; filename="acceptance-{project_id}.pdf"'},
        )
