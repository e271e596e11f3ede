"""Investment spent (资金支付): payments out of a project's funding sources (staff)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask.views import MethodView
from marshmallow import Schema, fields

from renovation.domain.parts.investment import MAX_VOUCHER
from renovation.domain.registration import MAX_PLANNED_COST
from renovation.web import runtime
from renovation.web.access import STAFF, access
from renovation.web.api.schemas import CommandResultSchema, DecimalText
from renovation.web.api.writes import (
    WRITE_ROLES,
    Blueprint,
    committed,
    staff_write,
    writable_project,
)
from renovation.web.auth import require_role
from renovation.web.validation import Length, Range

blp = Blueprint(
    "investment",
    __name__,
    url_prefix="/api/projects",
    description="Investment spent per funding source (资金支付)",
)


class SpendingCreateSchema(Schema):
    source = fields.String(
        required=True,
        validate=Length(min=1, max=200),
        metadata={"description": "one of the project's registered funding sources (资金来源)"},
    )
    amount = DecimalText(
        required=True,
        validate=Range(min=0, min_inclusive=False, max=MAX_PLANNED_COST),
        metadata={"description": "paid, in yuan: above 0, at most two decimals (fen)"},
    )
    paid_on = fields.Date(
        required=True,
        metadata={
            "description": "the day it was paid: not after today, not before the "
            "project's registration"
        },
    )
    purpose = fields.String(
        required=True,
        validate=Length(min=1, max=200),
        metadata={"description": "what it paid for, e.g. 雨污分流工程进度款"},
    )
    voucher = fields.String(
        required=True,
        validate=Length(min=1, max=MAX_VOUCHER),
        metadata={
            "description": "the finance voucher or reference number (凭证号), once per project"
        },
    )


class InvestmentLineSchema(Schema):
    source = fields.String()
    planned = DecimalText()
    spent = DecimalText()
    over_plan = fields.Boolean(
        metadata={
            "description": "spent beyond the source's planned amount: recorded, and "
            "flagged for the finance clerk to reconcile"
        }
    )


class SpendingResultSchema(CommandResultSchema):
    line = fields.Nested(InvestmentLineSchema, metadata={"description": "the source after it"})


class PaymentSchema(Schema):
    amount = DecimalText()
    paid_on = fields.Date()
    purpose = fields.String()
    voucher = fields.String()
    version = fields.Integer(metadata={"description": "the project version that recorded it"})


class SourceSpendingSchema(InvestmentLineSchema):
    payments = fields.List(fields.Nested(PaymentSchema))


@blp.route("/<uuid:project_id>/investment-spending")
class InvestmentSpending(MethodView):
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.response(200, SourceSpendingSchema(many=True))
    def get(self, project_id: UUID):
        """Each funding source with its planned amount, what was paid out of it and each
        payment (staff of the project's district)."""
        return writable_project(project_id).investment()

    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(SpendingCreateSchema)
    @blp.response(200, SpendingResultSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID):
        """Record a payment out of one of the project's funding sources (staff of its
        district). Spending beyond a source's plan is recorded and flagged (``over_plan``);
        an unknown source, a voucher number recorded already, a day after today or before
        the registration are refused (422) and nothing is recorded."""
        result = runtime().app.record_spending(project_id, data, **staff_write(project_id).kwargs)
        body, status, headers = committed(result)
        return {**body, "line": result.value}, status, headers
