"""Residents' opinions (意见建议), the bureau's answers, moderation and erasure."""

from __future__ import annotations

from datetime import date
from typing import Any

from events.participation import (
    OpinionAnswered,
    OpinionAnswerRated,
    OpinionModerated,
    OpinionSubmitted,
    PersonalDataErased,
)
from renovation.domain import participation as rules
from renovation.domain.base import Actor, Folding, folds, provenance
from renovation.domain.errors import ConflictError, DomainError
from renovation.domain.satisfaction import SATISFACTION_CHOICES


class OpinionsPart(Folding):
    """Opinions as the aggregate needs them to decide: outcome, visibility, personal-data key."""

    opinions: dict[str, dict[str, Any]]
    content_items: list[dict[str, Any]]
    milestones: dict[str, dict[str, Any]]

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
            raise rules.UnknownFlatError("unknown_building", field="building", building=building)
        if unit and not building:
            raise DomainError("unit_without_building", field="building")
        if unit and not any(
            u["code"] == unit for b in self.buildings if b["code"] == building for u in b["units"]
        ):
            raise rules.UnknownFlatError("unknown_unit", field="unit", building=building, unit=unit)
        if opinion_id in self.opinions:
            raise DomainError("opinion_exists", field="opinion_id", opinion_id=opinion_id)
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
            **provenance(actor, command_id, None),
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
            {
                "content_item": {i["id"] for i in self.content_items},
                "milestone": set(self.milestones),
            },
        )
        self.trigger_event(
            OpinionAnswered,
            opinion_id=opinion_id,
            outcome=outcome,
            answer=answer.strip(),
            reason=reason.strip(),
            referred_to=referred_to.strip(),
            links=links,
            **provenance(actor, command_id, None),
        )

    def rate_answer(
        self,
        opinion_id: str,
        *,
        rating: str,
        actor: Actor,
        command_id: str | None = None,
    ) -> None:
        """The resident rates the answer to their opinion (满意 / 基本满意 / 不满意).

        Only once there is an answer; rating again replaces the earlier rating.
        """
        opinion = self.find_opinion(opinion_id)
        if rating not in SATISFACTION_CHOICES:
            raise DomainError(
                "not_allowed_value", field="rating", choices=list(SATISFACTION_CHOICES)
            )
        if opinion["outcome"] is None:
            raise ConflictError("opinion_not_answered", field="rating")
        self.trigger_event(
            OpinionAnswerRated,
            opinion_id=opinion_id,
            rating=rating,
            **provenance(actor, command_id, None),
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
            raise DomainError("hide_reason_required", field="reason")
        if opinion["hidden"] == hidden:
            raise DomainError(
                "opinion_hidden_already" if hidden else "opinion_shown_already", field="hidden"
            )
        self.trigger_event(
            OpinionModerated,
            opinion_id=opinion_id,
            hidden=hidden,
            reason=reason.strip(),
            **provenance(actor, command_id, None),
        )

    def erase_personal_data(
        self, key_ids: list[str], *, reason: str, actor: Actor, command_id: str | None = None
    ) -> None:
        """Record that these personal-data keys were destroyed (the event names no person)."""
        if not key_ids or not set(key_ids) <= self.personal_data_keys():
            raise DomainError("unknown_personal_data", field="key_ids")
        self.trigger_event(
            PersonalDataErased,
            key_ids=list(key_ids),
            reason=reason,
            **provenance(actor, command_id, None),
        )

    def personal_data_keys(self) -> set[str]:
        """The keys sealing the personal data of this project's opinions (not yet erased)."""
        return {o["personal_key_id"] for o in self.opinions.values() if o["personal_key_id"]}

    def find_opinion(self, opinion_id: str) -> dict[str, Any]:
        try:
            return self.opinions[opinion_id]
        except KeyError:
            raise rules.UnknownOpinionError(field="opinion_id", opinion_id=opinion_id) from None

    # ---- state changes ----------------------------------------------------------------

    @folds(OpinionSubmitted)
    def _fold_opinion_submitted(self, event: OpinionSubmitted) -> None:
        self.opinions[event.opinion_id] = {
            "outcome": None,
            "rating": None,
            "hidden": False,
            "personal_key_id": event.personal_key_id,
        }

    @folds(OpinionAnswered)
    def _fold_opinion_answered(self, event: OpinionAnswered) -> None:
        self.opinions[event.opinion_id]["outcome"] = event.outcome

    @folds(OpinionAnswerRated)
    def _fold_opinion_answer_rated(self, event: OpinionAnswerRated) -> None:
        self.opinions[event.opinion_id]["rating"] = event.rating

    @folds(OpinionModerated)
    def _fold_opinion_moderated(self, event: OpinionModerated) -> None:
        self.opinions[event.opinion_id]["hidden"] = event.hidden

    @folds(PersonalDataErased)
    def _fold_personal_data_erased(self, event: PersonalDataErased) -> None:
        erased = set(event.key_ids)
        for opinion in self.opinions.values():
            if opinion["personal_key_id"] in erased:
                opinion["personal_key_id"] = None
