"""Lift retrofits (加装电梯) per unit: poll, consent, stages, objections, service."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from events.lift import (
    LiftCostSharingAgreed,
    LiftPollClosed,
    LiftPollReopened,
    LiftRetrofitProposed,
    LiftServiceRecorded,
    LiftStageChanged,
    LiftVoteCast,
    ObjectionAnswered,
    ObjectionLodged,
)
from renovation.domain import lifts as lift_rules
from renovation.domain import participation as rules
from renovation.domain.base import Actor, Folding, folds, provenance
from renovation.domain.consent import FlatVoteInput, evaluate_consent
from renovation.domain.deadlines import period_end
from renovation.domain.errors import DomainError
from renovation.domain.parts.flat_register import opening_day
from renovation.domain.rulesets import Ruleset

SERVICE_KINDS = ("maintenance", "inspection_passed", "inspection_requested")


class LiftRetrofitsPart(Folding):
    """One lift retrofit per unit, from willingness poll to in service."""

    lifts: dict[str, dict[str, Any]]

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
        lift_id = lift_rules.lift_id(building, unit)
        if lift_id in self.lifts and self.lifts[lift_id]["stage"] != lift_rules.LiftStage.ABANDONED:
            raise lift_rules.LiftError("unit_has_lift", field="unit", unit=lift_id)
        unknown = sorted(set(veto_flats) - {f["flat_id"] for f in flats})
        if unknown:
            raise lift_rules.LiftError(
                "flat_not_in_unit", field="veto_flats", flat=unknown[0], unit=lift_id
            )
        self._check_window(poll_opens_at, poll_closes_at)
        self.trigger_event(
            LiftRetrofitProposed,
            lift_id=lift_id,
            building=building,
            unit=unit,
            veto_flats=sorted(set(veto_flats)),
            poll_opens_at=poll_opens_at,
            poll_closes_at=poll_closes_at,
            **provenance(actor, command_id, None),
        )
        return lift_id

    def reopen_lift_poll(
        self,
        lift_id: str,
        *,
        poll_opens_at: datetime,
        poll_closes_at: datetime,
        actor: Actor,
        command_id: str | None = None,
    ) -> None:
        lift = self.find_lift(lift_id)
        if lift["stage"] != lift_rules.LiftStage.WILLINGNESS_POLL or not lift["poll_closed"]:
            raise lift_rules.LiftError("poll_not_failed", field="lift_id")
        self._check_window(poll_opens_at, poll_closes_at)
        self.trigger_event(
            LiftPollReopened,
            lift_id=lift_id,
            poll_opens_at=poll_opens_at,
            poll_closes_at=poll_closes_at,
            **provenance(actor, command_id, None),
        )

    @staticmethod
    def _check_window(opens_at: datetime, closes_at: datetime) -> None:
        if closes_at <= opens_at:
            raise DomainError("poll_closes_before_opens", field="poll_closes_at")

    def cast_lift_vote(
        self,
        lift_id: str,
        *,
        flat_id: str,
        choice: str,
        now: datetime,
        actor: Actor,
        command_id: str | None = None,
        effective_on: date | None = None,
    ) -> None:
        """A flat's consent to its unit's lift; voting again before the close replaces it."""
        lift = self.find_lift(lift_id)
        if flat_id not in {f["flat_id"] for f in self.unit_flats(lift["building"], lift["unit"])}:
            raise rules.OutOfScopeError(
                "flat_not_in_unit", field="code", flat=flat_id, unit=lift_id
            )
        if choice not in lift_rules.LIFT_CHOICES:
            raise DomainError(
                "not_allowed_value", field="choice", choices=list(lift_rules.LIFT_CHOICES)
            )
        if lift["stage"] != lift_rules.LiftStage.WILLINGNESS_POLL or lift["poll_closed"]:
            raise rules.RoundClosedError("poll_closed", field="lift_id")
        if now < lift["poll_opens_at"]:
            raise rules.RoundClosedError(
                "poll_not_open", field="lift_id", opens_at=lift["poll_opens_at"]
            )
        if now >= lift["poll_closes_at"]:
            raise rules.RoundClosedError(
                "poll_ended", field="lift_id", closes_at=lift["poll_closes_at"]
            )
        previous = lift["votes"].get(flat_id)
        self.trigger_event(
            LiftVoteCast,
            lift_id=lift_id,
            flat_id=flat_id,
            choice=choice,
            replaces_version=previous["version"] if previous else None,
            **provenance(actor, command_id, effective_on),
        )

    def close_lift_poll(
        self,
        lift_id: str,
        *,
        now: datetime,
        ruleset: Ruleset,
        actor: Actor,
        command_id: str | None = None,
    ) -> dict[str, Any]:
        """Count the poll by Civil Code art. 278 (改建: ≥2/3 take part, ≥3/4 of them agree)."""
        lift = self.find_lift(lift_id)
        if lift["stage"] != lift_rules.LiftStage.WILLINGNESS_POLL or lift["poll_closed"]:
            raise rules.RoundClosedError("poll_closed", field="lift_id")
        if now < lift["poll_closes_at"]:
            raise rules.RoundClosedError(
                "poll_open_until", field="lift_id", until=lift["poll_closes_at"]
            )
        result = self.lift_consent(lift_id, ruleset)
        self.trigger_event(
            LiftPollClosed,
            lift_id=lift_id,
            result=result.to_dict(),
            passed=result.passed,
            **provenance(actor, command_id, None),
        )
        return result.to_dict()

    def lift_consent(self, lift_id: str, ruleset: Ruleset):
        """The consent arithmetic of the lift's votes so far (the poll's result when closed)."""
        lift = self.find_lift(lift_id)
        return evaluate_consent(
            [
                FlatVoteInput(
                    flat_id=f["flat_id"],
                    owner_id=f["owner_ref"],
                    area=f["area"],
                    is_unsold_developer_flat=f["unsold"],
                    holds_veto=f["flat_id"] in lift["veto_flats"],
                )
                for f in self.unit_flats(
                    lift["building"], lift["unit"], opening_day(lift["poll_opens_at"])
                )
            ],
            {fid: v["choice"] for fid, v in lift["votes"].items()},
            ruleset,
            matter="alteration",
        )

    def transition_lift(
        self,
        lift_id: str,
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
        lift = self.find_lift(lift_id)
        details = dict(details)
        given = details.pop("floor_coefficients", None)
        exempt = details.pop("exempt_floors", None)
        lift_rules.check_move(lift, to_stage, on, details)
        agreed = None
        if to_stage == lift_rules.LiftStage.AGREEMENT_SIGNED:
            floors = [f["floor"] for f in self.unit_flats(lift["building"], lift["unit"])]
            agreed = lift_rules.agreed_coefficients(floors, given, exempt, ruleset)
        ends = None
        if to_stage == lift_rules.LiftStage.PUBLIC_NOTICE:
            ends = period_end(on, ruleset.notice_period_days)
        elif to_stage == lift_rules.LiftStage.OBJECTION_WINDOW:
            ends = period_end(on, ruleset.objection_period_days)
        self.trigger_event(
            LiftStageChanged,
            lift_id=lift_id,
            from_stage=lift["stage"],
            to_stage=to_stage,
            on_date=on,
            details=details,
            period_ends_on=ends,
            **provenance(actor, command_id, on),
        )
        if agreed is not None:
            table, departs = agreed
            self.trigger_event(
                LiftCostSharingAgreed,
                lift_id=lift_id,
                floor_coefficients={str(f): f"{c:f}" for f, c in table.items()},
                exempt_floors=sorted(set(exempt or ())),
                reference_ruleset_id=ruleset.id,
                departs_from_reference=departs,
                **provenance(actor, command_id, on),
            )

    def lodge_objection(
        self,
        lift_id: str,
        objection_id: str,
        *,
        text: str,
        flat_id: str | None,
        on: date,
        actor: Actor,
        command_id: str | None = None,
    ) -> None:
        """An objection, lodged while the plan is on public notice or in the objection window."""
        lift = self.find_lift(lift_id)
        text = (text or "").strip()
        if not text or len(text) > lift_rules.MAX_OBJECTION:
            raise DomainError("length_between", field="text", min=1, max=lift_rules.MAX_OBJECTION)
        stage = lift["stage"]
        open_for_objections = stage == lift_rules.LiftStage.PUBLIC_NOTICE or (
            stage == lift_rules.LiftStage.OBJECTION_WINDOW and on <= lift["objections_end_on"]
        )
        if not open_for_objections:
            raise rules.RoundClosedError("objections_not_taken", field="lift_id")
        self.trigger_event(
            ObjectionLodged,
            lift_id=lift_id,
            objection_id=objection_id,
            text=text,
            flat_id=flat_id,
            **provenance(actor, command_id, None),
        )

    def answer_objection(
        self,
        lift_id: str,
        objection_id: str,
        *,
        outcome: str,
        reason: str,
        actor: Actor,
        command_id: str | None = None,
    ) -> None:
        """Mediated, upheld (the design goes back for change), or dismissed with a reason."""
        lift = self.find_lift(lift_id)
        objection = lift["objections"].get(objection_id)
        if objection is None:
            raise lift_rules.UnknownObjectionError(
                "unknown_objection", field="objection_id", objection=objection_id
            )
        if objection["outcome"] is not None:
            raise DomainError("objection_answered", field="objection_id")
        if outcome not in lift_rules.OBJECTION_OUTCOMES:
            raise DomainError(
                "not_allowed_value", field="outcome", choices=list(lift_rules.OBJECTION_OUTCOMES)
            )
        if not reason.strip():
            raise DomainError("objection_reason_required", field="reason")
        self.trigger_event(
            ObjectionAnswered,
            lift_id=lift_id,
            objection_id=objection_id,
            outcome=outcome,
            reason=reason.strip(),
            **provenance(actor, command_id, None),
        )

    def record_lift_service(
        self,
        lift_id: str,
        *,
        kind: str,
        on: date,
        valid_until: date | None,
        actor: Actor,
        command_id: str | None = None,
    ) -> None:
        lift = self.find_lift(lift_id)
        if kind not in SERVICE_KINDS:
            raise DomainError("not_allowed_value", field="kind", choices=list(SERVICE_KINDS))
        if lift["stage"] != lift_rules.LiftStage.IN_SERVICE:
            raise lift_rules.LiftError("lift_not_in_service", field="lift_id")
        if kind == "inspection_passed" and (valid_until is None or valid_until <= on):
            raise DomainError("inspection_valid_until", field="valid_until")
        self.trigger_event(
            LiftServiceRecorded,
            lift_id=lift_id,
            kind=kind,
            on_date=on,
            valid_until=valid_until,
            **provenance(actor, command_id, on),
        )

    def unit_flats(self, building: str, unit: str, on: date | None = None) -> list[dict]:
        """The unit's flats, with the corrections in effect on ``on`` (all when None)."""
        flats = [
            dict(f, flat_id=rules.flat_id(f["building"], f["unit"], f["number"]))
            for f in self.flats(on)
            if f["building"] == building and f["unit"] == unit
        ]
        if not flats:
            raise rules.UnknownFlatError("unknown_unit", field="unit", building=building, unit=unit)
        return flats

    def find_lift(self, lift_id: str) -> dict[str, Any]:
        try:
            return self.lifts[lift_id]
        except KeyError:
            raise lift_rules.UnknownLiftError(
                "unknown_lift", field="lift_id", lift=lift_id
            ) from None

    # ---- state changes ----------------------------------------------------------------

    @folds(LiftRetrofitProposed)
    def _fold_lift_retrofit_proposed(self, event: LiftRetrofitProposed) -> None:
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

    @folds(LiftPollReopened)
    def _fold_lift_poll_reopened(self, event: LiftPollReopened) -> None:
        lift = self.lifts[event.lift_id]
        lift.update(
            poll_opens_at=event.poll_opens_at,
            poll_closes_at=event.poll_closes_at,
            poll_closed=False,
            votes={},
            result=None,
        )

    @folds(LiftVoteCast)
    def _fold_lift_vote_cast(self, event: LiftVoteCast) -> None:
        self.lifts[event.lift_id]["votes"][event.flat_id] = {
            "choice": event.choice,
            "version": event.originator_version,
        }

    @folds(LiftPollClosed)
    def _fold_lift_poll_closed(self, event: LiftPollClosed) -> None:
        lift = self.lifts[event.lift_id]
        lift.update(poll_closed=True, result=event.result)
        if event.passed:
            lift["stage"] = lift_rules.LiftStage.CONSENT_PASSED.value

    @folds(LiftStageChanged)
    def _fold_lift_stage_changed(self, event: LiftStageChanged) -> None:
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

    @folds(LiftCostSharingAgreed)
    def _fold_lift_cost_sharing_agreed(self, event: LiftCostSharingAgreed) -> None:
        self.lifts[event.lift_id]["cost_sharing_agreed"] = {
            "floor_coefficients": dict(event.floor_coefficients),
            "exempt_floors": list(event.exempt_floors),
            "reference_ruleset_id": event.reference_ruleset_id,
            "departs_from_reference": event.departs_from_reference,
        }

    @folds(ObjectionLodged)
    def _fold_objection_lodged(self, event: ObjectionLodged) -> None:
        self.lifts[event.lift_id]["objections"][event.objection_id] = {
            "objection_id": event.objection_id,
            "text": event.text,
            "flat_id": event.flat_id,
            "lodged_at": event.timestamp,
            "outcome": None,
            "reason": "",
        }

    @folds(ObjectionAnswered)
    def _fold_objection_answered(self, event: ObjectionAnswered) -> None:
        lift = self.lifts[event.lift_id]
        lift["objections"][event.objection_id].update(outcome=event.outcome, reason=event.reason)
        if event.outcome == "upheld":  # the plan must change: back to design, noticed again
            lift["stage"] = lift_rules.LiftStage.DESIGN.value

    @folds(LiftServiceRecorded)
    def _fold_lift_service_recorded(self, event: LiftServiceRecorded) -> None:
        service = self.lifts[event.lift_id]["service"]
        service[event.kind] = event.on_date
        if event.valid_until is not None:
            service["inspection_valid_until"] = event.valid_until
