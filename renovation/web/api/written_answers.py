"""A round's questions before it opens, and residents' written answers for the bureau."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask.views import MethodView
from flask_babel import force_locale
from marshmallow import Schema, fields

from renovation.application.errors import ProjectNotFoundError
from renovation.domain.errors import ForbiddenError
from renovation.domain.written_answers import MAX_NOTE, TAKEN_UP_INTO
from renovation.projections.queries import get_summary
from renovation.web import runtime
from renovation.web.access import AUDITOR, STAFF, access
from renovation.web.api.audit import check_project_reader
from renovation.web.api.participation_schemas import QuestionCreateSchema
from renovation.web.api.schemas import CommandResultSchema, Label
from renovation.web.api.writes import WRITE_ROLES, Blueprint, committed, staff_write
from renovation.web.auth import api_user, require_role
from renovation.web.validation import Length, OneOf
from renovation.web.written_answers import (
    EXPORT_FORMATS,
    XLSX_TYPE,
    export_response,
    written_answers_for,
)

blp = Blueprint(
    "written_answers",
    __name__,
    url_prefix="/api",
    description="Consultation questions before the opening; residents' written answers",
)


class QuestionsUpdateSchema(Schema):
    questions = fields.List(fields.Nested(QuestionCreateSchema), required=True)


class WrittenAnswersArgsSchema(Schema):
    format = fields.String(load_default="json", validate=OneOf(["json", *EXPORT_FORMATS]))
    lang = fields.String(
        load_default="zh",
        validate=OneOf(["zh", "en"]),
        metadata={"description": "the language of an export's headers (Chinese by default)"},
    )


class TakeUpCreateSchema(Schema):
    into = fields.String(required=True, validate=OneOf(TAKEN_UP_INTO))
    opinion_id = fields.String(
        allow_none=True,
        validate=Length(min=1, max=32),
        metadata={"description": "the opinion it was taken up into (into: opinion)"},
    )
    note = fields.String(load_default="", validate=Length(max=MAX_NOTE))


class WrittenAnswerSchema(Schema):
    answer_id = fields.String(metadata={"description": "<ballot version>-<question id>"})
    building = fields.String()
    unit = fields.String()
    text = fields.String()
    answered_at = fields.String()
    channel = fields.String()
    taken_up_into = fields.String(allow_none=True)
    taken_up_label = Label("taken_up_into", attribute="taken_up_into", allow_none=True)
    taken_up_opinion_id = fields.String(allow_none=True)
    taken_up_note = fields.String(allow_none=True)
    taken_up_at = fields.String(allow_none=True)


class WrittenQuestionSchema(Schema):
    question_id = fields.String()
    text = fields.String()
    count = fields.Integer()
    answers = fields.List(
        fields.Nested(WrittenAnswerSchema),
        allow_none=True,
        metadata={"description": "null for a reader who sees counts only (auditors)"},
    )


class WrittenAnswersSchema(Schema):
    consultation_id = fields.String()
    texts_shown = fields.Boolean()
    questions = fields.List(fields.Nested(WrittenQuestionSchema))


@blp.route("/projects/<uuid:project_id>/consultations/<string:consultation_id>/questions")
class Questions(MethodView):
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(QuestionsUpdateSchema)
    @blp.response(200, CommandResultSchema)
    @blp.write()
    def put(self, data: dict[str, Any], project_id: UUID, consultation_id: str):
        """Replace the questions of a round that has not opened yet; from its opening they
        are fixed (409 consultation_questions_fixed)."""
        result = runtime().app.revise_consultation_questions(
            project_id, consultation_id, data["questions"], **staff_write(project_id).kwargs
        )
        return committed(result)


@blp.route("/projects/<uuid:project_id>/consultations/<string:consultation_id>/written-answers")
class WrittenAnswers(MethodView):
    @access(STAFF, AUDITOR)
    @require_role("staff", "admin", "auditor")
    @blp.arguments(WrittenAnswersArgsSchema, location="query")
    @blp.response(200, WrittenAnswersSchema)
    @blp.alt_response(200, content_type="text/csv", description="format=csv")
    @blp.alt_response(200, content_type=XLSX_TYPE, description="format=xlsx")
    @blp.doc(security=[{"bearer": []}])
    def get(self, args: dict[str, Any], project_id: UUID, consultation_id: str):
        """Every written answer of a round by question, with its building and unit only
        (staff of the project's district; each read is logged). Auditors see counts, unless
        WRITTEN_ANSWERS_FOR_AUDITORS is set. ``format=csv|xlsx`` exports them."""
        check_project_reader(project_id)
        summary = get_summary(runtime().engine, str(project_id))
        if summary is None:
            raise ProjectNotFoundError(project_id)
        runtime().app.get_project(project_id).find_round(consultation_id)
        groups, shown = written_answers_for(
            api_user(),
            str(project_id),
            consultation_id,
            summary["district"],
            purpose=f"read written answers (api, {args['format']})",
        )
        if args["format"] != "json":
            if not shown:
                raise ForbiddenError("written_answers_counts_only")
            with force_locale(args["lang"]):
                return export_response(groups, args["format"], f"answers-{consultation_id}")
        return {"consultation_id": consultation_id, "texts_shown": shown, "questions": groups}


@blp.route(
    "/projects/<uuid:project_id>/consultations/<string:consultation_id>"
    "/written-answers/<string:answer_id>/taken-up"
)
class TakeUp(MethodView):
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(TakeUpCreateSchema)
    @blp.response(200, CommandResultSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID, consultation_id: str, answer_id: str):
        """Mark a written answer as taken up into an opinion (``opinion_id``) or the plan."""
        result = runtime().app.take_up_written_answer(
            project_id, consultation_id, answer_id, data, **staff_write(project_id).kwargs
        )
        return committed(result)
