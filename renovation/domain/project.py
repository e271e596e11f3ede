"""The renovation project aggregate: one 小区, its flats, its plan and its stage.

Commands check the rules and trigger events; state changes only in ``when()`` handlers,
so replaying the stored events rebuilds exactly the state that was decided on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from events.lift import (
    LiftPollClosed,
    LiftPollReopened,
    LiftRetrofitProposed,
    LiftServiceRecorded,
    LiftStageChanged,
    LiftVoteCast,
    ObjectionAnswered,
    ObjectionLodged,
)
from events.participation import (
    BallotCast,
    ConsultationClosed,
    ConsultationOpened,
    HouseholdCodesIssued,
    OpinionAnswered,
    OpinionModerated,
    OpinionSubmitted,
    PersonalDataErased,
)
from events.project import (
    ContentItemProgressRecorded,
    ProjectEvent,
    ProjectRegistered,
    StageChanged,
)
from renovation.domain import lifts as lift_rules
from renovation.domain import participation as rules
from renovation.domain.consent import FlatVoteInput, evaluate_consent
from renovation.domain.deadlines import period_end
from renovation.domain.errors import (
    DomainError,
    InvalidProjectDataError,
    StageGateError,
    UnknownContentItemError,
)
from renovation.domain.rulesets import Ruleset
from renovation.domain.stages import TRANSITIONS, Stage, gate_for

CATEGORIES = ("basic", "improvement", "upgrade")
MAX_NAME = 200
MAX_NOTE = 2000


@dataclass(frozen=True)
class Actor:
    """Who asked for a change: a user (id and role) or a resident, and by which channel."""

    id: str
    role: str
    channel: str = "api"


class RenovationProject(Aggregate):
    """One old-neighbourhood renovation project."""

    def __init__(self) -> None:
        # Filled by ``when(ProjectRegistered)``; declared here for readers.
        self.community: dict[str, Any] = {}
        self.buildings: list[dict[str, Any]] = []
        self.content_items: list[dict[str, Any]] = []
        self.budget: list[dict[str, Any]] = []
        self.planned_start: date | None = None
        self.planned_finish: date | None = None
        self.stage: str = Stage.REGISTERED.value
        self.stage_history: list[dict[str, Any]] = []
        self.command_ids: dict[str, int] = {}
        self.rounds: dict[str, dict[str, Any]] = {}
        self.household_codes: dict[str, str] = {}  # code digest → flat id
        self.opinions: dict[str, dict[str, Any]] = {}
        self.intent_vote_passed: bool | None = None
        self.lifts: dict[str, dict[str, Any]] = {}

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
        problems: dict[str, list[str]] = {}
        community = _check_community(community, problems)
        buildings = _check_buildings(buildings, problems)
        content_items = _check_content_items(content_items, problems)
        budget = _check_budget(budget, problems)
        for name, value in (("planned_start", planned_start), ("planned_finish", planned_finish)):
            if value is not None and not isinstance(value, date):
                problems.setdefault(name, []).append("must be a date")
        if (
            isinstance(planned_start, date)
            and isinstance(planned_finish, date)
            and planned_finish < planned_start
        ):
            problems.setdefault("planned_finish", []).append("must not be before planned_start")
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
            **_provenance(actor, command_id, effective_on),
        )

    def move_to(
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
            raise DomainError(f"unknown stage {to_stage!r}", field="to_stage") from None
        if len(note) > MAX_NOTE:
            raise DomainError(f"at most {MAX_NOTE} characters", field="note")
        current = Stage(self.stage)
        gate = gate_for(current, target)
        if target not in TRANSITIONS[current] or not self._gate_open(gate):
            raise StageGateError(
                f"cannot move from {current} to {target}: gate {gate!r} is not passed",
                gate=gate,
                from_stage=current,
                to_stage=target,
            )
        self.trigger_event(
            StageChanged,
            from_stage=current.value,
            to_stage=target.value,
            note=note,
            **_provenance(actor, command_id, effective_on),
        )

    def _gate_open(self, gate: str) -> bool:
        """Gates that depend on what happened, beyond the order of stages."""
        if gate == "intent_vote_passed":
            return self.intent_vote_passed is True
        if gate == "intent_vote_failed":
            return self.intent_vote_passed is False
        return True

    # ---- consultations (问需 / 问计 / 问效) --------------------------------------------

    def open_consultation(
        self,
        round_id: str,
        *,
        kind: str,
        title: str,
        questions: list[dict[str, Any]],
        opens_at: datetime,
        closes_at: datetime,
        scope: dict[str, Any],
        intent_vote: bool,
        matter: str | None,
        actor: Actor,
        command_id: str | None = None,
    ) -> None:
        """Open a consultation round; an intent vote (意愿征询) also asks each flat's consent."""
        checked, checked_scope = rules.check_round(
            kind=kind,
            title=title,
            questions=questions,
            opens_at=opens_at,
            closes_at=closes_at,
            scope=scope,
            intent_vote=intent_vote,
            matter=matter if intent_vote else None,
            buildings=self.buildings,
        )
        self.trigger_event(
            ConsultationOpened,
            round_id=round_id,
            kind=kind,
            title=title.strip(),
            questions=checked,
            opens_at=opens_at,
            closes_at=closes_at,
            scope=checked_scope,
            intent_vote=intent_vote,
            matter=matter if intent_vote else None,
            **_provenance(actor, command_id, None),
        )

    def issue_household_codes(
        self,
        code_digests: dict[str, str],
        *,
        batch_id: str,
        actor: Actor,
        command_id: str | None = None,
    ) -> None:
        """Record the digests of new household codes; each flat's earlier code lapses."""
        known = self.flat_ids()
        unknown = sorted(set(code_digests) - known)
        if unknown:
            raise rules.UnknownFlatError(f"no flat {unknown[0]}", field="flats")
        if not code_digests:
            raise DomainError("no flats to issue codes for", field="flats")
        self.trigger_event(
            HouseholdCodesIssued,
            batch_id=batch_id,
            code_digests=dict(code_digests),
            **_provenance(actor, command_id, None),
        )

    def flat_for_code(self, code_digest: str) -> str:
        try:
            return self.household_codes[code_digest]
        except KeyError:
            raise rules.UnknownHouseholdCodeError(
                "this household code is not valid for this project", field="code"
            ) from None

    def cast_ballot(
        self,
        round_id: str,
        *,
        flat_id: str,
        answers: dict[str, Any],
        consent: str | None,
        now: datetime,
        actor: Actor,
        command_id: str | None = None,
        effective_on: date | None = None,
    ) -> None:
        """A household's ballot (by its code, or on paper entered by staff)."""
        round_ = self.find_round(round_id)
        flat = self.find_flat(flat_id)
        if not rules.in_scope(round_["scope"], flat):
            raise rules.OutOfScopeError(
                f"flat {flat_id} is not in this round's scope", field="code"
            )
        checked = rules.check_ballot(round_, answers, consent, now)
        previous = round_["ballots"].get(flat_id)
        self.trigger_event(
            BallotCast,
            round_id=round_id,
            flat_id=flat_id,
            answers=checked,
            consent=consent,
            replaces_version=previous["version"] if previous else None,
            **_provenance(actor, command_id, effective_on),
        )

    def close_consultation(
        self,
        round_id: str,
        *,
        now: datetime,
        ruleset: Ruleset | None,
        actor: Actor,
        command_id: str | None = None,
    ) -> dict[str, Any]:
        """Close a round after its window; an intent vote's result moves the project on."""
        round_ = self.find_round(round_id)
        if round_["closed"]:
            raise rules.RoundClosedError("the round is closed already", field="round_id")
        if now < round_["closes_at"]:
            raise rules.RoundClosedError(
                f"the round is open until {round_['closes_at'].isoformat()}", field="round_id"
            )
        result = rules.round_result(round_, self.flats(), ruleset)
        self.trigger_event(
            ConsultationClosed,
            round_id=round_id,
            result=result,
            **_provenance(actor, command_id, None),
        )
        if round_["intent_vote"] and self.stage == Stage.INTENT_VOTE.value:
            passed = bool(result.get("passed"))
            self.move_to(
                Stage.IN_PLAN.value if passed else Stage.REJECTED_BY_RESIDENTS.value,
                actor=actor,
                note=f"intent vote {round_id}: {'passed' if passed else 'failed'}",
            )
        return result

    def find_round(self, round_id: str) -> dict[str, Any]:
        try:
            return self.rounds[round_id]
        except KeyError:
            raise rules.UnknownRoundError(f"no round {round_id!r}", field="round_id") from None

    # ---- opinions (意见建议) ------------------------------------------------------------

    def submit_opinion(
        self,
        opinion_id: str,
        *,
        tracking_code: str,
        category: str,
        text: str,
        building: str = "",
        unit: str = "",
        personal_sealed: str | None = None,
        personal_key_id: str | None = None,
        answer_due_on: date,
        actor: Actor,
        command_id: str | None = None,
    ) -> None:
        text = rules.check_opinion(category, text)
        if building and not any(b["code"] == building for b in self.buildings):
            raise rules.UnknownFlatError(f"no building {building!r}", field="building")
        if unit and not building:
            raise DomainError("name the building of the unit", field="building")
        if unit and not any(
            u["code"] == unit for b in self.buildings if b["code"] == building for u in b["units"]
        ):
            raise rules.UnknownFlatError(f"no unit {unit!r} in building {building}", field="unit")
        if opinion_id in self.opinions:
            raise DomainError(f"opinion {opinion_id} exists already", field="opinion_id")
        self.trigger_event(
            OpinionSubmitted,
            opinion_id=opinion_id,
            tracking_code=tracking_code,
            category=category,
            text=text,
            building=building,
            unit=unit,
            personal_sealed=personal_sealed,
            personal_key_id=personal_key_id,
            answer_due_on=answer_due_on,
            **_provenance(actor, command_id, None),
        )

    def answer_opinion(
        self,
        opinion_id: str,
        *,
        outcome: str,
        answer: str,
        reason: str = "",
        referred_to: str = "",
        links: list[dict[str, Any]] | None = None,
        actor: Actor,
        command_id: str | None = None,
    ) -> None:
        """The bureau's answer; a later answer revises it and the history keeps both."""
        self.find_opinion(opinion_id)
        links = list(links or [])
        rules.check_answer(
            outcome,
            answer,
            reason,
            referred_to,
            links,
            {"content_item": {i["id"] for i in self.content_items}, "milestone": set()},
        )
        self.trigger_event(
            OpinionAnswered,
            opinion_id=opinion_id,
            outcome=outcome,
            answer=answer.strip(),
            reason=reason.strip(),
            referred_to=referred_to.strip(),
            links=links,
            **_provenance(actor, command_id, None),
        )

    def moderate_opinion(
        self,
        opinion_id: str,
        *,
        hidden: bool,
        reason: str,
        actor: Actor,
        command_id: str | None = None,
    ) -> None:
        opinion = self.find_opinion(opinion_id)
        if hidden and not reason.strip():
            raise DomainError("say why the text is hidden", field="reason")
        if opinion["hidden"] == hidden:
            raise DomainError(
                "the opinion is hidden already" if hidden else "the opinion is shown already",
                field="hidden",
            )
        self.trigger_event(
            OpinionModerated,
            opinion_id=opinion_id,
            hidden=hidden,
            reason=reason.strip(),
            **_provenance(actor, command_id, None),
        )

    def erase_personal_data(
        self, key_ids: list[str], *, reason: str, actor: Actor, command_id: str | None = None
    ) -> None:
        """Record that these personal-data keys were destroyed (the event names no person)."""
        known = {o["personal_key_id"] for o in self.opinions.values() if o["personal_key_id"]}
        if not key_ids or not set(key_ids) <= known:
            raise DomainError("no such personal data in this project", field="key_ids")
        self.trigger_event(
            PersonalDataErased,
            key_ids=list(key_ids),
            reason=reason,
            **_provenance(actor, command_id, None),
        )

    def find_opinion(self, opinion_id: str) -> dict[str, Any]:
        try:
            return self.opinions[opinion_id]
        except KeyError:
            raise rules.UnknownOpinionError(
                f"no opinion {opinion_id!r}", field="opinion_id"
            ) from None

    # ---- lift retrofits (加装电梯) -------------------------------------------------------

    def propose_lift(
        self,
        *,
        building: str,
        unit: str,
        veto_flats: list[str],
        poll_opens_at: datetime,
        poll_closes_at: datetime,
        actor: Actor,
        command_id: str | None = None,
    ) -> str:
        """Start a unit's lift retrofit with a willingness poll of its flats."""
        flats = self.unit_flats(building, unit)
        lid = lift_rules.lift_id(building, unit)
        if lid in self.lifts and self.lifts[lid]["stage"] != lift_rules.LiftStage.ABANDONED:
            raise lift_rules.LiftError(f"unit {lid} has a lift retrofit already", field="unit")
        unknown = sorted(set(veto_flats) - {f["flat_id"] for f in flats})
        if unknown:
            raise lift_rules.LiftError(
                f"flat {unknown[0]} is not in unit {lid}", field="veto_flats"
            )
        self._check_window(poll_opens_at, poll_closes_at)
        self.trigger_event(
            LiftRetrofitProposed,
            lift_id=lid,
            building=building,
            unit=unit,
            veto_flats=sorted(set(veto_flats)),
            poll_opens_at=poll_opens_at,
            poll_closes_at=poll_closes_at,
            **_provenance(actor, command_id, None),
        )
        return lid

    def reopen_lift_poll(
        self,
        lid: str,
        *,
        poll_opens_at: datetime,
        poll_closes_at: datetime,
        actor: Actor,
        command_id: str | None = None,
    ) -> None:
        lift = self.find_lift(lid)
        if lift["stage"] != lift_rules.LiftStage.WILLINGNESS_POLL or not lift["poll_closed"]:
            raise lift_rules.LiftError(
                "only a closed poll that failed is held again", field="lift_id"
            )
        self._check_window(poll_opens_at, poll_closes_at)
        self.trigger_event(
            LiftPollReopened,
            lift_id=lid,
            poll_opens_at=poll_opens_at,
            poll_closes_at=poll_closes_at,
            **_provenance(actor, command_id, None),
        )

    @staticmethod
    def _check_window(opens_at: datetime, closes_at: datetime) -> None:
        if closes_at <= opens_at:
            raise DomainError("must be after poll_opens_at", field="poll_closes_at")

    def cast_lift_vote(
        self,
        lid: str,
        *,
        flat_id: str,
        choice: str,
        now: datetime,
        actor: Actor,
        command_id: str | None = None,
        effective_on: date | None = None,
    ) -> None:
        """A flat's consent to its unit's lift; voting again before the close replaces it."""
        lift = self.find_lift(lid)
        if flat_id not in {f["flat_id"] for f in self.unit_flats(lift["building"], lift["unit"])}:
            raise rules.OutOfScopeError(f"flat {flat_id} is not in unit {lid}", field="code")
        if choice not in lift_rules.LIFT_CHOICES:
            raise DomainError(
                f"must be one of {', '.join(lift_rules.LIFT_CHOICES)}", field="choice"
            )
        if lift["stage"] != lift_rules.LiftStage.WILLINGNESS_POLL or lift["poll_closed"]:
            raise rules.RoundClosedError("the willingness poll is closed", field="lift_id")
        if now < lift["poll_opens_at"]:
            raise rules.RoundClosedError(
                f"the poll opens at {lift['poll_opens_at'].isoformat()}", field="lift_id"
            )
        if now >= lift["poll_closes_at"]:
            raise rules.RoundClosedError(
                f"the poll closed at {lift['poll_closes_at'].isoformat()}", field="lift_id"
            )
        previous = lift["votes"].get(flat_id)
        self.trigger_event(
            LiftVoteCast,
            lift_id=lid,
            flat_id=flat_id,
            choice=choice,
            replaces_version=previous["version"] if previous else None,
            **_provenance(actor, command_id, effective_on),
        )

    def close_lift_poll(
        self,
        lid: str,
        *,
        now: datetime,
        ruleset: Ruleset,
        actor: Actor,
        command_id: str | None = None,
    ) -> dict[str, Any]:
        """Count the poll by Civil Code art. 278 (改建: ≥2/3 take part, ≥3/4 of them agree)."""
        lift = self.find_lift(lid)
        if lift["stage"] != lift_rules.LiftStage.WILLINGNESS_POLL or lift["poll_closed"]:
            raise rules.RoundClosedError("the poll is closed already", field="lift_id")
        if now < lift["poll_closes_at"]:
            raise rules.RoundClosedError(
                f"the poll is open until {lift['poll_closes_at'].isoformat()}", field="lift_id"
            )
        result = self.lift_consent(lid, ruleset)
        self.trigger_event(
            LiftPollClosed,
            lift_id=lid,
            result=result.to_dict(),
            passed=result.passed,
            **_provenance(actor, command_id, None),
        )
        return result.to_dict()

    def lift_consent(self, lid: str, ruleset: Ruleset):
        """The consent arithmetic of the lift's votes so far (the poll's result when closed)."""
        lift = self.find_lift(lid)
        return evaluate_consent(
            [
                FlatVoteInput(
                    flat_id=f["flat_id"],
                    owner_id=f["owner_ref"],
                    area=f["area"],
                    is_unsold_developer_flat=f["unsold"],
                    holds_veto=f["flat_id"] in lift["veto_flats"],
                )
                for f in self.unit_flats(lift["building"], lift["unit"])
            ],
            {fid: v["choice"] for fid, v in lift["votes"].items()},
            ruleset,
            matter="alteration",
        )

    def move_lift(
        self,
        lid: str,
        to_stage: str,
        *,
        on: date,
        details: dict[str, Any],
        ruleset: Ruleset,
        actor: Actor,
        command_id: str | None = None,
    ) -> None:
        """Move the retrofit on; the gates of DOMAIN.md and the Special Equipment Safety Law
        are named when they hold it back."""
        lift = self.find_lift(lid)
        lift_rules.check_move(lift, to_stage, on, details)
        ends = None
        if to_stage == lift_rules.LiftStage.PUBLIC_NOTICE:
            ends = period_end(on, ruleset.notice_period_days)
        elif to_stage == lift_rules.LiftStage.OBJECTION_WINDOW:
            ends = period_end(on, ruleset.objection_period_days)
        self.trigger_event(
            LiftStageChanged,
            lift_id=lid,
            from_stage=lift["stage"],
            to_stage=to_stage,
            on_date=on,
            details=details,
            period_ends_on=ends,
            **_provenance(actor, command_id, on),
        )

    def lodge_objection(
        self,
        lid: str,
        objection_id: str,
        *,
        text: str,
        flat_id: str | None,
        on: date,
        actor: Actor,
        command_id: str | None = None,
    ) -> None:
        """An objection, lodged while the plan is on public notice or in the objection window."""
        lift = self.find_lift(lid)
        text = (text or "").strip()
        if not text or len(text) > lift_rules.MAX_OBJECTION:
            raise DomainError(f"1 to {lift_rules.MAX_OBJECTION} characters", field="text")
        stage = lift["stage"]
        open_for_objections = stage == lift_rules.LiftStage.PUBLIC_NOTICE or (
            stage == lift_rules.LiftStage.OBJECTION_WINDOW and on <= lift["objections_end_on"]
        )
        if not open_for_objections:
            raise rules.RoundClosedError(
                "objections are taken during the public notice and the objection window",
                field="lift_id",
            )
        self.trigger_event(
            ObjectionLodged,
            lift_id=lid,
            objection_id=objection_id,
            text=text,
            flat_id=flat_id,
            **_provenance(actor, command_id, None),
        )

    def answer_objection(
        self,
        lid: str,
        objection_id: str,
        *,
        outcome: str,
        reason: str,
        actor: Actor,
        command_id: str | None = None,
    ) -> None:
        """Mediated, upheld (the design goes back for change), or dismissed with a reason."""
        lift = self.find_lift(lid)
        objection = lift["objections"].get(objection_id)
        if objection is None:
            raise lift_rules.UnknownObjectionError(
                f"no objection {objection_id!r}", field="objection_id"
            )
        if objection["outcome"] is not None:
            raise DomainError("the objection is answered already", field="objection_id")
        if outcome not in lift_rules.OBJECTION_OUTCOMES:
            raise DomainError(
                f"must be one of {', '.join(lift_rules.OBJECTION_OUTCOMES)}", field="outcome"
            )
        if not reason.strip():
            raise DomainError("say how the objection was resolved, and why", field="reason")
        self.trigger_event(
            ObjectionAnswered,
            lift_id=lid,
            objection_id=objection_id,
            outcome=outcome,
            reason=reason.strip(),
            **_provenance(actor, command_id, None),
        )

    def record_lift_service(
        self,
        lid: str,
        *,
        kind: str,
        on: date,
        valid_until: date | None,
        actor: Actor,
        command_id: str | None = None,
    ) -> None:
        lift = self.find_lift(lid)
        if kind not in ("maintenance", "inspection_passed", "inspection_requested"):
            raise DomainError(
                "maintenance, inspection_passed or inspection_requested", field="kind"
            )
        if lift["stage"] != lift_rules.LiftStage.IN_SERVICE:
            raise lift_rules.LiftError("the lift is not in service", field="lift_id")
        if kind == "inspection_passed" and (valid_until is None or valid_until <= on):
            raise DomainError("the date the inspection pass expires", field="valid_until")
        self.trigger_event(
            LiftServiceRecorded,
            lift_id=lid,
            kind=kind,
            on_date=on,
            valid_until=valid_until,
            **_provenance(actor, command_id, on),
        )

    def unit_flats(self, building: str, unit: str) -> list[dict[str, Any]]:
        flats = [
            dict(f, flat_id=rules.flat_id(f["building"], f["unit"], f["number"]))
            for f in self.flats()
            if f["building"] == building and f["unit"] == unit
        ]
        if not flats:
            raise rules.UnknownFlatError(f"no unit {building}-{unit}", field="unit")
        return flats

    def find_lift(self, lid: str) -> dict[str, Any]:
        try:
            return self.lifts[lid]
        except KeyError:
            raise lift_rules.UnknownLiftError(
                f"no lift retrofit {lid!r}", field="lift_id"
            ) from None

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
            raise UnknownContentItemError(f"no content item {item_id!r}", field="item_id")
        if actual_quantity < 0:
            raise DomainError("must not be negative", field="actual_quantity")
        if self.stage not in _BUILDING_STAGES:
            raise StageGateError(
                "progress is recorded once construction has started",
                gate="requires_under_construction",
                from_stage=self.stage,
                to_stage=self.stage,
            )
        self.trigger_event(
            ContentItemProgressRecorded,
            item_id=item_id,
            actual_quantity=actual_quantity,
            note=note,
            **_provenance(actor, command_id, effective_on),
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
            raise rules.UnknownFlatError(f"no flat {flat_id!r}", field="flat_id")
        return flat

    def flats(self) -> list[dict[str, Any]]:
        """Every flat with its building and unit codes."""
        return [
            {"building": b["code"], "unit": u["code"], **f}
            for b in self.buildings
            for u in b["units"]
            for f in u["flats"]
        ]

    # ---- state changes --------------------------------------------------------------

    @singledispatchmethod
    def when(self, event: ProjectEvent) -> None:
        raise NotImplementedError(type(event).__qualname__)  # an event nobody folds

    @when.register
    def _(self, event: ProjectRegistered) -> None:
        self.community = dict(event.community)
        self.buildings = [dict(b) for b in event.buildings]
        self.content_items = [dict(i, actual_quantity=None) for i in event.content_items]
        self.budget = [dict(b) for b in event.budget]
        self.planned_start = event.planned_start
        self.planned_finish = event.planned_finish
        self._remember(event)

    @when.register
    def _(self, event: StageChanged) -> None:
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
        self._remember(event)

    @when.register
    def _(self, event: ContentItemProgressRecorded) -> None:
        item = self.find_content_item(event.item_id)
        assert item is not None
        item["actual_quantity"] = event.actual_quantity
        self._remember(event)

    @when.register
    def _(self, event: ConsultationOpened) -> None:
        self.rounds[event.round_id] = {
            "round_id": event.round_id,
            "kind": event.kind,
            "title": event.title,
            "questions": event.questions,
            "opens_at": event.opens_at,
            "closes_at": event.closes_at,
            "scope": event.scope,
            "intent_vote": event.intent_vote,
            "matter": event.matter,
            "ballots": {},
            "closed": False,
            "result": None,
        }
        self._remember(event)

    @when.register
    def _(self, event: HouseholdCodesIssued) -> None:
        lapsed = set(event.code_digests)
        self.household_codes = {
            digest: flat for digest, flat in self.household_codes.items() if flat not in lapsed
        }
        for flat, digest in event.code_digests.items():
            self.household_codes[digest] = flat
        self._remember(event)

    @when.register
    def _(self, event: BallotCast) -> None:
        self.rounds[event.round_id]["ballots"][event.flat_id] = {
            "answers": event.answers,
            "consent": event.consent,
            "version": event.originator_version,
        }
        self._remember(event)

    @when.register
    def _(self, event: ConsultationClosed) -> None:
        round_ = self.rounds[event.round_id]
        round_["closed"] = True
        round_["result"] = event.result
        if round_["intent_vote"]:
            self.intent_vote_passed = bool(event.result.get("passed"))
        self._remember(event)

    @when.register
    def _(self, event: OpinionSubmitted) -> None:
        self.opinions[event.opinion_id] = {
            "outcome": None,
            "hidden": False,
            "personal_key_id": event.personal_key_id,
        }
        self._remember(event)

    @when.register
    def _(self, event: OpinionAnswered) -> None:
        self.opinions[event.opinion_id]["outcome"] = event.outcome
        self._remember(event)

    @when.register
    def _(self, event: OpinionModerated) -> None:
        self.opinions[event.opinion_id]["hidden"] = event.hidden
        self._remember(event)

    @when.register
    def _(self, event: PersonalDataErased) -> None:
        erased = set(event.key_ids)
        for opinion in self.opinions.values():
            if opinion["personal_key_id"] in erased:
                opinion["personal_key_id"] = None
        self._remember(event)

    @when.register
    def _(self, event: LiftRetrofitProposed) -> None:
        self.lifts[event.lift_id] = {
            "lift_id": event.lift_id,
            "building": event.building,
            "unit": event.unit,
            "veto_flats": list(event.veto_flats),
            "stage": lift_rules.LiftStage.WILLINGNESS_POLL.value,
            "poll_opens_at": event.poll_opens_at,
            "poll_closes_at": event.poll_closes_at,
            "poll_closed": False,
            "votes": {},
            "result": None,
            "history": [],
            "details": {},
            "notice_ends_on": None,
            "objections_end_on": None,
            "objections": {},
            "service": {},
        }
        self._remember(event)

    @when.register
    def _(self, event: LiftPollReopened) -> None:
        lift = self.lifts[event.lift_id]
        lift.update(
            poll_opens_at=event.poll_opens_at,
            poll_closes_at=event.poll_closes_at,
            poll_closed=False,
            votes={},
            result=None,
        )
        self._remember(event)

    @when.register
    def _(self, event: LiftVoteCast) -> None:
        self.lifts[event.lift_id]["votes"][event.flat_id] = {
            "choice": event.choice,
            "version": event.originator_version,
        }
        self._remember(event)

    @when.register
    def _(self, event: LiftPollClosed) -> None:
        lift = self.lifts[event.lift_id]
        lift.update(poll_closed=True, result=event.result)
        if event.passed:
            lift["stage"] = lift_rules.LiftStage.CONSENT_PASSED.value
        self._remember(event)

    @when.register
    def _(self, event: LiftStageChanged) -> None:
        lift = self.lifts[event.lift_id]
        lift["stage"] = event.to_stage
        lift["details"][event.to_stage] = {"on": event.on_date, **event.details}
        lift["history"].append(
            {"stage": event.to_stage, "on": event.on_date, "version": event.originator_version}
        )
        if event.to_stage == lift_rules.LiftStage.PUBLIC_NOTICE:
            lift["notice_ends_on"] = event.period_ends_on
        elif event.to_stage == lift_rules.LiftStage.OBJECTION_WINDOW:
            lift["objections_end_on"] = event.period_ends_on
        self._remember(event)

    @when.register
    def _(self, event: ObjectionLodged) -> None:
        self.lifts[event.lift_id]["objections"][event.objection_id] = {
            "objection_id": event.objection_id,
            "text": event.text,
            "flat_id": event.flat_id,
            "lodged_at": event.timestamp,
            "outcome": None,
            "reason": "",
        }
        self._remember(event)

    @when.register
    def _(self, event: ObjectionAnswered) -> None:
        lift = self.lifts[event.lift_id]
        lift["objections"][event.objection_id].update(outcome=event.outcome, reason=event.reason)
        if event.outcome == "upheld":  # the plan must change: back to design, noticed again
            lift["stage"] = lift_rules.LiftStage.DESIGN.value
        self._remember(event)

    @when.register
    def _(self, event: LiftServiceRecorded) -> None:
        service = self.lifts[event.lift_id]["service"]
        service[event.kind] = event.on_date
        if event.valid_until is not None:
            service["inspection_valid_until"] = event.valid_until
        self._remember(event)

    def _remember(self, event: ProjectEvent) -> None:
        if event.command_id:
            # The first event a command made: a replay answers from it.
            self.command_ids.setdefault(event.command_id, event.originator_version)


_BUILDING_STAGES = {
    Stage.UNDER_CONSTRUCTION.value,
    Stage.ACCEPTANCE_INSPECTION.value,
    Stage.RECTIFICATION.value,
}


def _provenance(actor: Actor, command_id: str | None, effective_on: date | None) -> dict:
    return {
        "actor_id": actor.id,
        "actor_role": actor.role,
        "channel": actor.channel,
        "effective_on": effective_on,
        "command_id": command_id,
    }


# ---- registration checks -----------------------------------------------------------


def _text(value: Any, field: str, problems: dict, *, required: bool = True) -> str:
    text = (value or "").strip() if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        problems.setdefault(field, []).append("must be text")
    elif required and not text:
        problems.setdefault(field, []).append("must not be empty")
    elif len(text) > MAX_NAME:
        problems.setdefault(field, []).append(f"at most {MAX_NAME} characters")
    return text


def _decimal(value: Any, field: str, problems: dict, *, positive: bool) -> Decimal:
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        problems.setdefault(field, []).append("must be a number")
        return Decimal(0)
    if not number.is_finite():
        problems.setdefault(field, []).append("must be a finite number")
    elif positive and number <= 0:
        problems.setdefault(field, []).append("must be greater than 0")
    elif number < 0:
        problems.setdefault(field, []).append("must not be negative")
    return number


def _check_community(community: dict[str, Any], problems: dict) -> dict[str, Any]:
    checked = {
        "name": _text(community.get("name"), "community.name", problems),
        "district": _text(community.get("district"), "community.district", problems),
        "city": _text(community.get("city"), "community.city", problems, required=False),
        "street": _text(community.get("street"), "community.street", problems, required=False),
        "address": _text(community.get("address"), "community.address", problems, required=False),
        "year_built": community.get("year_built"),
    }
    year = checked["year_built"]
    if year is not None and (not isinstance(year, int) or not 1900 <= year <= 2100):
        problems.setdefault("community.year_built", []).append("must be a year")
    return checked


def _check_buildings(buildings: list[dict[str, Any]], problems: dict) -> list[dict[str, Any]]:
    if not buildings:
        problems.setdefault("buildings", []).append("at least one building")
    checked, building_codes = [], set()
    for b_index, building in enumerate(buildings):
        path = f"buildings.{b_index}"
        code = _text(building.get("code"), f"{path}.code", problems)
        if code in building_codes:
            problems.setdefault(f"{path}.code", []).append(f"building {code} is listed twice")
        building_codes.add(code)
        units, unit_codes = [], set()
        if not building.get("units"):
            problems.setdefault(f"{path}.units", []).append("at least one unit")
        for u_index, unit in enumerate(building.get("units") or []):
            upath = f"{path}.units.{u_index}"
            ucode = _text(unit.get("code"), f"{upath}.code", problems)
            if ucode in unit_codes:
                problems.setdefault(f"{upath}.code", []).append(
                    f"unit {code}-{ucode} is listed twice"
                )
            unit_codes.add(ucode)
            if not unit.get("flats"):
                problems.setdefault(f"{upath}.flats", []).append("at least one flat")
            units.append(
                {"code": ucode, "flats": _check_flats(unit.get("flats") or [], upath, problems)}
            )
        checked.append({"code": code, "name": building.get("name") or "", "units": units})
    return checked


def _check_flats(flats: list[dict[str, Any]], upath: str, problems: dict) -> list[dict]:
    checked, numbers = [], set()
    for f_index, flat in enumerate(flats):
        fpath = f"{upath}.flats.{f_index}"
        number = _text(flat.get("number"), f"{fpath}.number", problems)
        if number in numbers:
            problems.setdefault(f"{fpath}.number", []).append(f"flat {number} is listed twice")
        numbers.add(number)
        floor = flat.get("floor")
        if not isinstance(floor, int) or isinstance(floor, bool) or not -5 <= floor <= 100:
            problems.setdefault(f"{fpath}.floor", []).append("must be a floor number")
        unsold = bool(flat.get("unsold", False))
        owner = _text(flat.get("owner_ref"), f"{fpath}.owner_ref", problems, required=not unsold)
        checked.append(
            {
                "number": number,
                "floor": floor,
                "area": _decimal(flat.get("area"), f"{fpath}.area", problems, positive=True),
                # Unsold developer flats together count as one owner (DOMAIN.md, consent).
                "owner_ref": owner if not unsold else "developer",
                "unsold": unsold,
            }
        )
    return checked


def _check_content_items(items: list[dict[str, Any]], problems: dict) -> list[dict[str, Any]]:
    checked, seen = [], set()
    for index, item in enumerate(items):
        path = f"content_items.{index}"
        category = item.get("category")
        if category not in CATEGORIES:
            problems.setdefault(f"{path}.category", []).append(
                f"must be one of {', '.join(CATEGORIES)}"
            )
        name = _text(item.get("item"), f"{path}.item", problems)
        if (category, name) in seen:
            problems.setdefault(f"{path}.item", []).append(f"{name} is listed twice")
        seen.add((category, name))
        checked.append(
            {
                "id": f"item-{index + 1}",
                "category": category,
                "item": name,
                "unit": _text(item.get("unit"), f"{path}.unit", problems),
                "planned_quantity": _decimal(
                    item.get("planned_quantity"),
                    f"{path}.planned_quantity",
                    problems,
                    positive=False,
                ),
            }
        )
    return checked


def _check_budget(budget: list[dict[str, Any]], problems: dict) -> list[dict[str, Any]]:
    checked, sources = [], set()
    for index, line in enumerate(budget):
        path = f"budget.{index}"
        source = _text(line.get("source"), f"{path}.source", problems)
        if source in sources:
            problems.setdefault(f"{path}.source", []).append(f"{source} is listed twice")
        sources.add(source)
        amount = _decimal(line.get("amount"), f"{path}.amount", problems, positive=False)
        if amount != amount.quantize(Decimal("0.01")):
            problems.setdefault(f"{path}.amount", []).append("at most two decimals (fen)")
        checked.append({"source": source, "amount": amount})
    return checked
