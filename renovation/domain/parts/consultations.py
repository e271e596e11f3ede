"""Consultation rounds (问需 / 问计 / 问效), household codes and ballots: the aggregate's part."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from events.participation import (
    BallotCast,
    ConsultationClosed,
    ConsultationOpened,
    ConsultationQuestionsRevised,
    EvaluationResultRecorded,
    HouseholdCodesIssued,
    WrittenAnswerTakenUp,
)
from renovation.domain import participation as rules
from renovation.domain import written_answers
from renovation.domain.base import Actor, Folding, folds, provenance
from renovation.domain.errors import ConflictError, DomainError, InvalidProjectDataError
from renovation.domain.parts.flat_register import opening_day
from renovation.domain.rulesets import Ruleset
from renovation.domain.stages import Stage


class ConsultationsPart(Folding):
    """Rounds with their ballots; an intent vote's result decides whether the plan may go on."""

    rounds: dict[str, dict[str, Any]]
    household_codes: dict[str, str]  # code digest → flat id
    intent_vote_passed: bool | None
    opinions: dict[str, dict[str, Any]]

    def open_consultation(
        self,
        consultation_id: str,
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
            round_id=consultation_id,  # the recorded field keeps its name
            kind=kind,
            title=title.strip(),
            questions=checked,
            opens_at=opens_at,
            closes_at=closes_at,
            scope=checked_scope,
            intent_vote=intent_vote,
            matter=matter if intent_vote else None,
            **provenance(actor, command_id, None),
        )

    def revise_consultation_questions(
        self,
        consultation_id: str,
        *,
        questions: list[dict[str, Any]],
        now: datetime,
        actor: Actor,
        command_id: str | None = None,
    ) -> None:
        """New questions for a round that has not opened yet; from its opening they are fixed."""
        round_ = self.find_round(consultation_id)
        if round_["closed"] or now >= round_["opens_at"]:
            raise ConflictError(
                "consultation_questions_fixed",
                field="questions",
                opens_at=round_["opens_at"].isoformat(),
            )
        problems: dict[str, list] = {}
        checked = rules.check_questions(round_["kind"], round_["intent_vote"], questions, problems)
        if problems:
            raise InvalidProjectDataError(problems)
        self.trigger_event(
            ConsultationQuestionsRevised,
            round_id=consultation_id,
            questions=checked,
            **provenance(actor, command_id, None),
        )

    def take_up_written_answer(
        self,
        consultation_id: str,
        answer_id: str,
        *,
        into: str,
        opinion_id: str | None,
        note: str,
        actor: Actor,
        command_id: str | None = None,
    ) -> None:
        """Mark a household's written answer as taken up into an opinion or into the plan."""
        round_ = self.find_round(consultation_id)
        written_answers.find_written_answer(round_, answer_id)
        opinion_id, note = written_answers.check_take_up(into, opinion_id, note, self.opinions)
        self.trigger_event(
            WrittenAnswerTakenUp,
            round_id=consultation_id,
            answer_id=answer_id,
            into=into,
            opinion_id=opinion_id,
            note=note,
            **provenance(actor, command_id, None),
        )

    def issue_household_codes(
        self,
        code_digests: dict[str, str],
        *,
        batch_id: str,
        scheme: str,
        actor: Actor,
        command_id: str | None = None,
    ) -> None:
        """Record the digests of new household codes; each flat's earlier code lapses."""
        known = self.flat_ids()
        unknown = sorted(set(code_digests) - known)
        if unknown:
            raise rules.UnknownFlatError("unknown_flat", field="flats", flat_id=unknown[0])
        if not code_digests:
            raise DomainError("no_flats", field="flats")
        self.trigger_event(
            HouseholdCodesIssued,
            batch_id=batch_id,
            code_digests=dict(code_digests),
            scheme=scheme,
            **provenance(actor, command_id, None),
        )

    def flat_for_code(self, *code_digests: str) -> str:
        """The flat whose current code has one of these digests (a typed code's keyed and
        legacy digests), else refused."""
        flat = self.flat_of_code(*code_digests)
        if flat is None:
            raise rules.UnknownHouseholdCodeError(field="code")
        return flat

    def flat_of_code(self, *code_digests: str) -> str | None:
        return next(
            (self.household_codes[d] for d in code_digests if d in self.household_codes), None
        )

    def cast_vote(
        self,
        consultation_id: str,
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
        round_ = self.find_round(consultation_id)
        flat = self.find_flat(flat_id)
        if not rules.in_scope(round_["scope"], flat):
            raise rules.OutOfScopeError(
                field="code",
                flat_id=flat_id,
                building=flat["building"],
                unit=flat["unit"],
                number=flat["number"],
            )
        checked = rules.check_ballot(round_, answers, consent, now)
        previous = round_["ballots"].get(flat_id)
        self.trigger_event(
            BallotCast,
            round_id=consultation_id,  # the recorded field keeps its name
            flat_id=flat_id,
            answers=checked,
            consent=consent,
            replaces_version=previous["version"] if previous else None,
            **provenance(actor, command_id, effective_on),
        )

    def close_consultation(
        self,
        consultation_id: str,
        *,
        now: datetime,
        ruleset: Ruleset | None,
        actor: Actor,
        command_id: str | None = None,
    ) -> dict[str, Any]:
        """Close a round after its window; an intent vote's result moves the project on."""
        round_ = self.find_round(consultation_id)
        if round_["closed"]:
            raise rules.RoundClosedError("consultation_closed_already", field="consultation_id")
        if now < round_["closes_at"]:
            raise rules.RoundClosedError(
                "consultation_still_open",
                field="consultation_id",
                closes_at=round_["closes_at"].isoformat(),
            )
        result = rules.round_result(round_, self.flats(opening_day(round_["opens_at"])), ruleset)
        satisfaction = result.pop("satisfaction", None)
        if satisfaction is not None and not satisfaction["coverage_met"]:
            # Below the ruleset's minimum coverage the evaluation does not count: it stays
            # open for more answers (paper ones too) rather than closing on too few.
            raise ConflictError(
                "evaluation_coverage_too_low",
                field="consultation_id",
                answered=satisfaction["answered"],
                households=satisfaction["households_in_scope"],
                coverage=satisfaction["coverage_percent"],
                min_coverage=satisfaction["min_coverage_percent"],
            )
        self.trigger_event(
            ConsultationClosed,
            round_id=consultation_id,  # the recorded field keeps its name
            result=result,
            **provenance(actor, command_id, None),
        )
        if satisfaction is not None and ruleset is not None:
            self.trigger_event(
                EvaluationResultRecorded,
                round_id=consultation_id,
                ruleset_id=ruleset.id,
                result=satisfaction,
                **provenance(actor, command_id, None),
            )
            result = dict(result, satisfaction=satisfaction)
        if round_["intent_vote"] and self.stage == Stage.INTENT_VOTE.value:
            passed = bool(result.get("passed"))
            # No note: the move's stages, after this ConsultationClosed, say what happened;
            # pages word it from them.
            self.transition_to(
                Stage.IN_PLAN.value if passed else Stage.REJECTED_BY_RESIDENTS.value,
                actor=actor,
            )
        return result

    def find_round(self, consultation_id: str) -> dict[str, Any]:
        try:
            return self.rounds[consultation_id]
        except KeyError:
            raise rules.UnknownRoundError(
                field="consultation_id", consultation_id=consultation_id
            ) from None

    # ---- state changes ----------------------------------------------------------------

    @folds(ConsultationOpened)
    def _fold_consultation_opened(self, event: ConsultationOpened) -> None:
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
            "satisfaction": None,
            "taken_up": {},
        }

    @folds(ConsultationQuestionsRevised)
    def _fold_consultation_questions_revised(self, event: ConsultationQuestionsRevised) -> None:
        self.rounds[event.round_id]["questions"] = event.questions

    @folds(WrittenAnswerTakenUp)
    def _fold_written_answer_taken_up(self, event: WrittenAnswerTakenUp) -> None:
        # .setdefault: a round folded into a snapshot before take-ups existed has no such key.
        self.rounds[event.round_id].setdefault("taken_up", {})[event.answer_id] = {
            "into": event.into,
            "opinion_id": event.opinion_id,
            "note": event.note,
            "at": event.timestamp,
        }

    @folds(HouseholdCodesIssued)
    def _fold_household_codes_issued(self, event: HouseholdCodesIssued) -> None:
        lapsed = set(event.code_digests)
        self.household_codes = {
            digest: flat for digest, flat in self.household_codes.items() if flat not in lapsed
        }
        for flat, digest in event.code_digests.items():
            self.household_codes[digest] = flat
        # setdefault: a project restored from a snapshot older than this record has none yet.
        issues = self.__dict__.setdefault("household_code_issues", {})
        for flat in event.code_digests:
            issues[flat] = {"at": event.timestamp, "batch_id": event.batch_id}

    def code_issues(self) -> dict[str, dict[str, Any]]:
        """When each flat's current household code was issued (flat id → at, batch id)."""
        return getattr(self, "household_code_issues", {})

    @folds(BallotCast)
    def _fold_ballot_cast(self, event: BallotCast) -> None:
        self.rounds[event.round_id]["ballots"][event.flat_id] = {
            "answers": event.answers,
            "consent": event.consent,
            "version": event.originator_version,
            # When it was recorded: the vote page tells the household "you voted on …".
            "cast_at": event.timestamp,
        }

    @folds(ConsultationClosed)
    def _fold_consultation_closed(self, event: ConsultationClosed) -> None:
        round_ = self.rounds[event.round_id]
        round_["closed"] = True
        round_["result"] = event.result
        if round_["intent_vote"]:
            self.intent_vote_passed = bool(event.result.get("passed"))

    @folds(EvaluationResultRecorded)
    def _fold_evaluation_result_recorded(self, event: EvaluationResultRecorded) -> None:
        round_ = self.rounds[event.round_id]
        round_["satisfaction"] = dict(event.result, ruleset_id=event.ruleset_id)
        round_["result"] = dict(round_["result"] or {}, satisfaction=round_["satisfaction"])

    def evaluation_held(self) -> tuple[str, dict[str, Any]] | None:
        """What the evaluation (问效) still lacks for the gate ``evaluation_done``; None if done.

        Done when an evaluation round is closed with its satisfaction result recorded and the
        ruleset's minimum coverage met (passing the threshold is reported, not required).
        """
        rounds = [r for r in self.rounds.values() if r["kind"] == "evaluation"]
        if not rounds:
            return "no_evaluation_round", {}
        closed = [r for r in rounds if r["closed"]]
        if not closed:
            return "evaluation_not_closed", {"title": rounds[-1]["title"]}
        # .get: a round folded into a snapshot before results were recorded has no such key.
        results = [r["satisfaction"] for r in closed if r.get("satisfaction") is not None]
        if not results:
            return "evaluation_result_missing", {"title": closed[-1]["title"]}
        if any(s["coverage_met"] for s in results):
            return None
        last = results[-1]
        return "evaluation_coverage_too_low", {
            "answered": last["answered"],
            "households": last["households_in_scope"],
            "coverage": last["coverage_percent"],
            "min_coverage": last["min_coverage_percent"],
        }
