"""The renovation project aggregate: one 小区, its flats, its plan and its stage.

Commands check the rules and trigger events; state changes only in the methods marked
``@folds``, so replaying the stored events rebuilds exactly the state that was decided on.
The aggregate is composed of parts by area (``renovation.domain.parts``); this module holds
the core — registration, the project's stages, construction progress — and the composition.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from events.project import (
    ContentItemProgressRecorded,
    ProgrammeAssigned,
    ProjectRegistered,
    StageChanged,
)
from renovation.domain import participation as rules
from renovation.domain.base import (
    LOCAL_TZ,
    MAX_NAME,
    MAX_NOTE,
    Actor,
    Folding,
    folds,
    provenance,
)
from renovation.domain.checks import check_date
from renovation.domain.errors import (
    DomainError,
    InvalidProjectDataError,
    Problem,
    StageGateError,
    UnknownContentItemError,
    add_problem,
)
from renovation.domain.parts.acceptance import AcceptancePart
from renovation.domain.parts.consultations import ConsultationsPart
from renovation.domain.parts.flat_register import FlatRegisterPart
from renovation.domain.parts.investment import InvestmentPart
from renovation.domain.parts.lift_retrofits import LiftRetrofitsPart
from renovation.domain.parts.milestones import MilestonesPart
from renovation.domain.parts.opinions import OpinionsPart
from renovation.domain.parts.rectification import RectificationPart
from renovation.domain.parts.supervision import SupervisionPart
from renovation.domain.registration import (
    CATEGORIES,
    check_budget,
    check_buildings,
    check_community,
    check_content_items,
)
from renovation.domain.stages import TRANSITIONS, Stage, gate_for

__all__ = ["CATEGORIES", "MAX_NAME", "MAX_NOTE", "Actor", "RenovationProject"]

# The national programme of old-neighbourhood renovation began in 2019 (国办发〔2020〕23号
# counts from 2019); a year far ahead is a typing mistake.
PROGRAMME_YEARS = (2019, 2100)
MAX_BATCH = 40

_BUILDING_STAGES = {
    Stage.UNDER_CONSTRUCTION.value,
    Stage.ACCEPTANCE_INSPECTION.value,
    Stage.RECTIFICATION.value,
}


class RenovationProject(
    ConsultationsPart,
    OpinionsPart,
    LiftRetrofitsPart,
    MilestonesPart,
    AcceptancePart,
    RectificationPart,
    SupervisionPart,
    FlatRegisterPart,
    InvestmentPart,
    Folding,
    Aggregate,
):
    """One old-neighbourhood renovation project."""

    def __init__(self) -> None:
        # Every part's state, filled by the folds; declared here so a reader sees it all.
        self.community: dict[str, Any] = {}
        self.buildings: list[dict[str, Any]] = []
        self.content_items: list[dict[str, Any]] = []
        self.budget: list[dict[str, Any]] = []
        self.planned_start: date | None = None
        self.planned_finish: date | None = None
        self.registration_day: date | None = None  # its effective date, else its local day
        self.stage: str = Stage.REGISTERED.value
        self.stage_history: list[dict[str, Any]] = []
        self.programme: dict[str, Any] | None = None  # {"year", "batch"} (年度, 批次)
        self.command_ids: dict[str, int] = {}  # command id → first version it made
        # ConsultationsPart, OpinionsPart, LiftRetrofitsPart, MilestonesPart
        self.rounds: dict[str, dict[str, Any]] = {}
        self.household_codes: dict[str, str] = {}  # code digest → flat id
        self.household_code_issues: dict[str, dict[str, Any]] = {}  # flat id → when, batch
        self.opinions: dict[str, dict[str, Any]] = {}
        self.intent_vote_passed: bool | None = None
        self.lifts: dict[str, dict[str, Any]] = {}
        self.milestones: dict[str, dict[str, Any]] = {}
        # AcceptancePart, RectificationPart, SupervisionPart
        self.units: dict[str, dict[str, Any]] = {}
        self.acceptance_notices: list[dict[str, Any]] = []
        self.acceptance_meetings: list[dict[str, Any]] = []
        self.rectification_items: dict[str, dict[str, Any]] = {}
        self.acceptance_filing: dict[str, Any] | None = None
        self.supervisors: dict[str, dict[str, Any]] = {}
        self.inspection_notes: list[dict[str, Any]] = []
        self.photos: dict[str, list[dict[str, Any]]] = {}
        self.handover: dict[str, Any] | None = None
        self.flat_corrections: list[dict[str, Any]] = []  # FlatRegisterPart
        self.investment_payments: list[dict[str, Any]] = []  # InvestmentPart

    # ---- commands -------------------------------------------------------------------

    @classmethod
    def register(
        cls,
        *,
        community: dict[str, Any],
        buildings: list[dict[str, Any]],
        content_items: list[dict[str, Any]],
        budget: list[dict[str, Any]],
        planned_start: date | None,
        planned_finish: date | None,
        actor: Actor,
        project_id: UUID | None = None,
        command_id: str | None = None,
        effective_on: date | None = None,
    ) -> RenovationProject:
        """Register a community; refuses incomplete or inconsistent data, naming each field."""
        problems: dict[str, list[Problem]] = {}
        community = check_community(community, problems)
        buildings = check_buildings(buildings, problems)
        content_items = check_content_items(content_items, problems)
        budget = check_budget(budget, problems)
        for name, value in (("planned_start", planned_start), ("planned_finish", planned_finish)):
            if value is not None:
                check_date(value, name, problems)
        if (
            isinstance(planned_start, date)
            and isinstance(planned_finish, date)
            and planned_finish < planned_start
        ):
            add_problem(
                problems, "planned_finish", "finish_before_start", planned_start=planned_start
            )
        if problems:
            raise InvalidProjectDataError(problems)
        return cls._create(
            ProjectRegistered,
            id=project_id,
            community=community,
            buildings=buildings,
            content_items=content_items,
            budget=budget,
            planned_start=planned_start,
            planned_finish=planned_finish,
            **provenance(actor, command_id, effective_on),
        )

    def transition_to(
        self,
        to_stage: str,
        *,
        actor: Actor,
        note: str = "",
        command_id: str | None = None,
        effective_on: date | None = None,
    ) -> None:
        """Move to ``to_stage``; a move the life of a project does not allow names its gate."""
        try:
            target = Stage(to_stage)
        except ValueError:
            raise DomainError("unknown_stage", field="to_stage", value=str(to_stage)) from None
        if len(note) > MAX_NOTE:
            raise DomainError("too_long", field="note", max=MAX_NOTE)
        current = Stage(self.stage)
        gate, held = self.move_check(target)
        if held is not None:
            code, params = held
            raise StageGateError(
                code, gate=gate, from_stage=current.value, to_stage=target.value, **params
            )
        self.trigger_event(
            StageChanged,
            from_stage=current.value,
            to_stage=target.value,
            note=note,
            **provenance(actor, command_id, effective_on),
        )

    def move_check(self, to_stage: str) -> tuple[str, tuple[str, dict[str, Any]] | None]:
        """The gate a move to ``to_stage`` must pass, and what the records still lack for it
        (a refusal code and its parameters; None when nothing), without moving."""
        current, target = Stage(self.stage), Stage(to_stage)
        gate = gate_for(current, target)
        held = None if target in TRANSITIONS[current] else ("gate_closed", {})
        return gate, held or self._gate_held(gate)

    def _gate_held(self, gate: str) -> tuple[str, dict[str, Any]] | None:
        """What the records still lack for ``gate``: a refusal code and its parameters.

        ``None`` when the gate is open. Gates not named here depend only on the order of
        the stages.
        """
        closed: tuple[str, dict[str, Any]] = ("gate_closed", {})
        if gate == "intent_vote_passed":
            return None if self.intent_vote_passed is True else closed
        if gate == "intent_vote_failed":
            return None if self.intent_vote_passed is False else closed
        if gate == "construction_finished":
            unfinished = self.milestones_unfinished()
            return ("milestones_unfinished", {"milestones": unfinished}) if unfinished else None
        if gate == "defects_found":
            meeting = self.latest_acceptance_meeting()
            if meeting is None:
                return "no_acceptance_record", {}
            if self.open_rectification_items() or meeting["conclusion"] == "failed":
                return None
            return "no_defects_found", {}
        if gate == "rectification_done":
            still_open = self.open_rectification_items()
            return ("rectification_items_open", {"items": still_open}) if still_open else None
        if gate == "no_open_rectification":
            return self.acceptance_problems()
        if gate == "evaluation_done":
            return self.evaluation_held()
        return None

    # ---- construction ----------------------------------------------------------------

    def record_progress(
        self,
        item_id: str,
        actual_quantity: Decimal,
        *,
        actor: Actor,
        note: str = "",
        command_id: str | None = None,
        effective_on: date | None = None,
    ) -> None:
        """Record how much of a content item has been built so far."""
        if self.find_content_item(item_id) is None:
            raise UnknownContentItemError("unknown_content_item", field="item_id", item_id=item_id)
        if any(m["item_id"] == item_id for m in self.milestones.values()):
            raise DomainError("progress_through_milestones", field="item_id", item_id=item_id)
        if actual_quantity < 0:
            raise DomainError("must_not_be_negative", field="actual_quantity")
        if self.stage not in _BUILDING_STAGES:
            raise StageGateError(
                "item_progress_closed",
                gate="requires_under_construction",
                from_stage=self.stage,
                to_stage=self.stage,
            )
        self.trigger_event(
            ContentItemProgressRecorded,
            item_id=item_id,
            actual_quantity=actual_quantity,
            note=note,
            **provenance(actor, command_id, effective_on),
        )

    def assign_programme(
        self,
        year: int,
        batch: str,
        *,
        actor: Actor,
        command_id: str | None = None,
        effective_on: date | None = None,
    ) -> None:
        """Put the project in a year's programme (年度) and batch (批次), or correct them."""
        problems: dict[str, list[Problem]] = {}
        if not isinstance(year, int) or isinstance(year, bool):
            add_problem(problems, "year", "must_be_year")
        elif not PROGRAMME_YEARS[0] <= year <= PROGRAMME_YEARS[1]:
            add_problem(
                problems, "year", "year_between", min=PROGRAMME_YEARS[0], max=PROGRAMME_YEARS[1]
            )
        batch = batch.strip() if isinstance(batch, str) else batch
        if not isinstance(batch, str):
            add_problem(problems, "batch", "must_be_text")
        elif len(batch) > MAX_BATCH:
            add_problem(problems, "batch", "too_long", max=MAX_BATCH)
        if problems:
            raise InvalidProjectDataError(problems)
        self.trigger_event(
            ProgrammeAssigned, year=year, batch=batch, **provenance(actor, command_id, effective_on)
        )

    # ---- queries --------------------------------------------------------------------

    def version_of_command(self, command_id: str | None) -> int | None:
        """The version that the command with this id produced, if it was already applied."""
        return self.command_ids.get(command_id) if command_id else None

    def find_content_item(self, item_id: str) -> dict[str, Any] | None:
        return next((i for i in self.content_items if i["id"] == item_id), None)

    def flat_ids(self) -> set[str]:
        return {rules.flat_id(f["building"], f["unit"], f["number"]) for f in self.flats()}

    def find_flat(self, flat_id: str) -> dict[str, Any]:
        flat = next(
            (
                f
                for f in self.flats()
                if rules.flat_id(f["building"], f["unit"], f["number"]) == flat_id
            ),
            None,
        )
        if flat is None:
            raise rules.UnknownFlatError("unknown_flat", field="flat_id", flat_id=flat_id)
        return flat

    def flats(self, on: date | None = None) -> list[dict[str, Any]]:
        """Every flat with its building and unit codes, with the corrections in effect on
        ``on`` (every correction when None): a poll counts the flats as of its opening day."""
        registered = [
            {"building": b["code"], "unit": u["code"], **f}
            for b in self.buildings
            for u in b["units"]
            for f in u["flats"]
        ]
        return self.corrected(registered, on)

    # ---- state changes --------------------------------------------------------------

    @folds(ProjectRegistered)
    def _fold_project_registered(self, event: ProjectRegistered) -> None:
        self.community = dict(event.community)
        self.buildings = [dict(b) for b in event.buildings]
        self.content_items = [dict(i, actual_quantity=None) for i in event.content_items]
        self.budget = [dict(b) for b in event.budget]
        self.planned_start = event.planned_start
        self.planned_finish = event.planned_finish
        self.registration_day = event.effective_on or event.timestamp.astimezone(LOCAL_TZ).date()

    @folds(StageChanged)
    def _fold_stage_changed(self, event: StageChanged) -> None:
        self.stage = event.to_stage
        self.stage_history.append(
            {
                "from_stage": event.from_stage,
                "to_stage": event.to_stage,
                "at": event.timestamp,
                "effective_on": event.effective_on,
                "actor_id": event.actor_id,
                "version": event.originator_version,
            }
        )

    @folds(ContentItemProgressRecorded)
    def _fold_content_item_progress_recorded(self, event: ContentItemProgressRecorded) -> None:
        item = self.find_content_item(event.item_id)
        assert item is not None
        item["actual_quantity"] = event.actual_quantity

    @folds(ProgrammeAssigned)
    def _fold_programme_assigned(self, event: ProgrammeAssigned) -> None:
        self.programme = {"year": event.year, "batch": event.batch}
