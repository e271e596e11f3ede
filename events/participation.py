"""Events of residents' participation: consultation rounds, household codes, ballots, opinions.

They belong to the project aggregate (one 小区); topics are ``events.participation:<Class>``.
Released classes are never edited in place (see ``events.project``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from events.project import ProjectEvent


class ConsultationOpened(ProjectEvent):
    """Staff opened a round: needs (问需), plan (问计) or evaluation (问效)."""

    round_id: str
    kind: str
    title: str
    questions: list[dict[str, Any]]
    opens_at: datetime
    closes_at: datetime
    scope: dict[str, Any]  # {"level": "community" | "building" | "unit", "building", "unit"}
    intent_vote: bool
    matter: str | None  # consent matter class of an intent vote (Civil Code art. 278)


class HouseholdCodesIssued(ProjectEvent):
    """One secret code per flat, for voting on the web; earlier codes of these flats lapse.

    Only digests are stored: the codes themselves are printed once, on the sheet. Version 2
    names the digest ``scheme``: ``hmac-sha256`` under the server's household-code key (kept
    outside the event store); version 1 events were unsalted ``sha256("<project>:<CODE>")``.
    """

    class_version = 2

    batch_id: str
    code_digests: dict[str, str]  # flat id → digest
    scheme: str  # hmac-sha256 | sha256 (version 1 events)

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["scheme"] = "sha256"


class BallotCast(ProjectEvent):
    """A household's answers in a round; a later ballot of the same flat replaces it."""

    round_id: str
    flat_id: str
    answers: dict[str, Any]
    consent: str | None  # agree | disagree | abstain, in an intent vote
    replaces_version: int | None


class ConsultationClosed(ProjectEvent):
    """The round closed; an intent vote's Civil Code art. 278 result is stored with it."""

    round_id: str
    result: dict[str, Any]


class EvaluationResultRecorded(ProjectEvent):
    """An evaluation round (问效) closed: its satisfaction result, recorded with the close.

    Counted from the round's stored ballots (online and paper) under the ruleset named here,
    so it can be recomputed from them: counts of satisfied / basically satisfied /
    dissatisfied, households answering and in scope, the rate and coverage as "n/d" strings,
    the threshold and minimum coverage, passed and coverage_met.
    """

    round_id: str
    ruleset_id: str
    result: dict[str, Any]


class OpinionSubmitted(ProjectEvent):
    """A resident's opinion (意见建议); the public tracking code follows it."""

    opinion_id: str
    tracking_code: str
    category: str
    text: str
    building: str
    unit: str
    # Personal data (flat number, contact), sealed with a key of this opinion's own:
    # deleting the key erases them without touching the history (PIPL).
    personal_sealed: str | None
    personal_key_id: str | None
    answer_due_on: date  # the response deadline of the ruleset in force, in working days


class OpinionAnswered(ProjectEvent):
    """The bureau's answer: adopted, partly adopted, not adopted (with reason), referred."""

    opinion_id: str
    outcome: str
    answer: str
    reason: str
    referred_to: str
    links: list[dict[str, Any]]  # [{"kind": "content_item" | "milestone", "id": ...}]


class PersonalDataErased(ProjectEvent):
    """A resident's personal data was erased: its key is destroyed; carries no personal data."""

    key_ids: list[str]
    reason: str


class OpinionModerated(ProjectEvent):
    """Abusive text hidden from public pages (or shown again); the history keeps the text."""

    opinion_id: str
    hidden: bool
    reason: str


class OpinionAnswerRated(ProjectEvent):
    """The resident who sent an opinion rated the answer, through its tracking code.

    satisfied | basically_satisfied | dissatisfied (满意 / 基本满意 / 不满意); a later rating of
    the same opinion replaces it, the history keeps both.
    """

    opinion_id: str
    rating: str


class ConsultationQuestionsRevised(ProjectEvent):
    """Staff changed the questions of a round before it opened; they are fixed from then on."""

    round_id: str
    questions: list[dict[str, Any]]


class WrittenAnswerTakenUp(ProjectEvent):
    """The bureau took a household's written answer up into an opinion or into the plan.

    ``answer_id`` is ``<ballot version>-<question id>``: it names the answer without its flat.
    """

    round_id: str
    answer_id: str
    into: str  # opinion | plan
    opinion_id: str | None
    note: str
