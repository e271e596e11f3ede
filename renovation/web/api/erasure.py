"""Erasing residents' personal data (PIPL) over the API: one opinion's sender, or a resident.

Admins only. A key is destroyed, the history stays verifiable, and the event recording the
erasure names no one (renovation.vault, renovation.application.residents).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask.views import MethodView
from marshmallow import fields

from renovation.application.residents import matching_key_ids, resident_subjects
from renovation.projections.personal import sealed_personal_data
from renovation.web import runtime
from renovation.web.access import ADMIN, access
from renovation.web.api.audit import check_project_reader
from renovation.web.api.participation_schemas import (
    ErasureCreateSchema,
    ResidentErasureCreateSchema,
)
from renovation.web.api.schemas import CommandResultSchema
from renovation.web.api.writes import Blueprint, committed, staff_write
from renovation.web.auth import api_user, require_role


class ResidentErasedSchema(CommandResultSchema):
    keys_destroyed = fields.Integer(
        metadata={"description": "how many keys were destroyed (0 on a replay)"}
    )


blp = Blueprint(
    "erasure",
    __name__,
    url_prefix="/api",
    description="Erasing residents' personal data (PIPL): keys destroyed, history kept",
)


@blp.route("/projects/<uuid:project_id>/opinions/<hex:opinion_id>/erasure")
class Erasure(MethodView):
    @access(ADMIN)
    @require_role("admin")
    @blp.arguments(ErasureCreateSchema)
    @blp.response(200, CommandResultSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID, opinion_id: str):
        """Erase the personal data of an opinion's sender: their key is destroyed, so every
        record sealed with it (all their household's opinions) goes with it (admin).

        An opinion without personal data (or erased already) is a 409."""
        result = runtime().app.erase_opinion_personal_data(
            project_id, opinion_id, reason=data["reason"], **staff_write(project_id).kwargs
        )
        return committed(result)


@blp.route("/projects/<uuid:project_id>/residents/erasure")
class ResidentErasure(MethodView):
    @access(ADMIN)
    @require_role("admin")
    @blp.arguments(ResidentErasureCreateSchema)
    @blp.response(200, ResidentErasedSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID):
        """Erase everything one resident gave in this project, named by their flat (building,
        unit, flat) or contact: the keys of their household and contact, and of any older
        record found by opening the project's sealed records (that search is logged).

        ``keys_destroyed`` says how many keys went. Nothing of theirs left (or erased
        already) is a 409 ``resident_has_no_personal_data``; neither flat nor contact a 400."""
        check_project_reader(project_id)
        rt = runtime()
        rt.catch_up()  # the newest opinions are in the rows searched
        rows = sealed_personal_data(rt.engine, str(project_id))
        found = matching_key_ids(rows, rt.vault.open, data)
        user = api_user()
        rt.vault.log_read(
            actor_id=user.actor_id,
            actor_role=user.role,
            project_id=str(project_id),
            subject="resident",
            purpose="find a resident's records to erase them (api)",
        )
        result = rt.app.erase_resident(
            project_id,
            resident_subjects(project_id, data),
            found_key_ids=found,
            reason=data["reason"],
            **staff_write(project_id).kwargs,
        )
        body, status, headers = committed(result)
        return {**body, "keys_destroyed": result.value or 0}, status, headers
