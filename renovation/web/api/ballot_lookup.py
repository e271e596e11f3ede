"""A household's own ballot, by its code: what it chose and when, so that voting again starts
from the earlier vote. The code travels in a header, never in an address that logs keep."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask.views import MethodView
from marshmallow import Schema, fields
from marshmallow.validate import Length

from renovation.domain.participation import round_status
from renovation.web import runtime
from renovation.web.access import RESIDENT, access
from renovation.web.api.schemas import RefusalSchema
from renovation.web.api.writes import Blueprint
from renovation.web.limits import household_code_checks

blp = Blueprint(
    "ballot_lookup",
    __name__,
    url_prefix="/api",
    description="A household's own ballot, by its code (public; the code in a header)",
)


class HouseholdCodeHeaderSchema(Schema):
    code = fields.String(
        required=True,
        data_key="X-Household-Code",
        validate=Length(min=4, max=30),
        metadata={"description": "the household code printed on the slip"},
    )


class OwnBallotSchema(Schema):
    consultation_id = fields.String()
    status = fields.String(metadata={"description": "open | upcoming | closed"})
    closes_at = fields.DateTime()
    flat = fields.String(metadata={"description": "building-unit-number of the code's flat"})
    voted = fields.Boolean()
    cast_at = fields.DateTime(allow_none=True, metadata={"description": "when it was recorded"})
    answers = fields.Dict(allow_none=True)
    consent = fields.String(allow_none=True)
    replaceable = fields.Boolean(
        metadata={"description": "a new vote would replace it (the round is open)"}
    )


@blp.route("/projects/<uuid:project_id>/consultations/<string:consultation_id>/votes/mine")
class OwnBallot(MethodView):
    @access(RESIDENT)
    @household_code_checks
    @blp.arguments(HouseholdCodeHeaderSchema, location="headers")
    @blp.response(200, OwnBallotSchema)
    @blp.alt_response(422, schema=RefusalSchema, description="unknown_household_code")
    @blp.alt_response(
        429, schema=RefusalSchema, description="rate_limited: too many household-code checks"
    )
    def get(self, headers: dict[str, Any], project_id: UUID, consultation_id: str):
        """The household's ballot in this round (public, with its code): answers and when."""
        app = runtime().app
        flat, ballot = app.household_ballot(project_id, consultation_id, headers["code"])
        round_ = app.get_project(project_id).find_round(consultation_id)
        status = round_status(round_, app.clock())
        return {
            "consultation_id": consultation_id,
            "status": status,
            "closes_at": round_["closes_at"],
            "flat": flat,
            "voted": ballot is not None,
            "cast_at": (ballot or {}).get("cast_at"),
            "answers": ballot["answers"] if ballot else None,
            "consent": ballot["consent"] if ballot else None,
            "replaceable": status == "open",
        }
