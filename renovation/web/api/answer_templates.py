"""The bureau's common answers over the API: staff keep them, auditors read them."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields

from renovation import answer_templates as store
from renovation.web import runtime
from renovation.web.api.writes import WRITE_ROLES, Blueprint, staff_write
from renovation.web.auth import require_role
from renovation.web.validation import MAX_INTEGER, Length, NotBlank

blp = Blueprint(
    "answer_templates",
    __name__,
    url_prefix="/api/answer-templates",
    description="Common answers offered when answering residents' opinions. They are not "
    "part of a project: they have no version (an If-Match other than \"*\" is answered 412), "
    "adding a text that is there already is refused (409), so a repeated add never makes two.",
)


class TemplateSchema(Schema):
    id = fields.Integer(dump_only=True)
    text = fields.String(
        required=True, validate=[NotBlank(), Length(max=store.MAX_TEXT)]
    )
    updated_by = fields.String(dump_only=True)
    updated_at = fields.String(dump_only=True)


@blp.route("")
class Templates(MethodView):
    @blp.doc(security=[{"bearer": []}])
    @require_role("staff", "admin", "auditor")
    @blp.response(200, TemplateSchema(many=True))
    def get(self):
        """Every common answer, oldest first."""
        return store.list_templates(runtime().engine)

    @require_role(*WRITE_ROLES)
    @blp.arguments(TemplateSchema)
    @blp.response(201, TemplateSchema)
    @blp.write(versioned=False)
    def post(self, data):
        """Add a common answer; the same text twice is refused (409)."""
        by = staff_write(None).actor.id
        return store.add_template(runtime().engine, data["text"], by=by)


@blp.route(f"/<int(max={MAX_INTEGER}):template_id>")
class Template(MethodView):
    @require_role(*WRITE_ROLES)
    @blp.arguments(TemplateSchema)
    @blp.response(200, TemplateSchema)
    @blp.write(versioned=False)
    def put(self, data, template_id: int):
        """Change a common answer's text; answers already given keep theirs."""
        by = staff_write(None).actor.id
        return store.change_template(runtime().engine, template_id, data["text"], by=by)

    @require_role(*WRITE_ROLES)
    @blp.response(204)
    @blp.write(versioned=False)
    def delete(self, template_id: int):
        """Remove a common answer."""
        store.remove_template(runtime().engine, template_id)
