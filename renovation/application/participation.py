"""Commands and queries of residents' participation: consultation rounds, household codes,
ballots and opinions.

Household codes and tracking codes are made in ``household_codes.py`` (randomness and secrets
stay out of the domain); the domain decides whether a ballot or an opinion is acceptable.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Protocol
from uuid import UUID

from renovation.application.base import ApplicationBase, CommandResult
from renovation.application.household_codes import (  # noqa: F401 (the pages import them here)
    CODE_ALPHABET,
    CODE_LENGTH,
    KEYED_SCHEME,
    TRACKING_ALPHABET,
    TRACKING_LENGTH,
    code_digest,
    new_code,
    normalise_code,
)
from renovation.application.residents import resident_subject
from renovation.domain import participation as rules
from renovation.domain.base import LOCAL_TZ
from renovation.domain.deadlines import add_working_days
from renovation.domain.errors import ConflictError, DomainError
from renovation.domain.parts.flat_register import opening_day
from renovation.domain.project import Actor, RenovationProject


class Vault(Protocol):
    def seal(self, record: dict[str, Any]) -> tuple[str, str]: ...
    def open(self, key_id: str | None, sealed: str | None) -> dict[str, Any] | None: ...
    def destroy(self, key_ids: list[str]) -> int: ...


class ParticipationArea(ApplicationBase):
    """Consultation rounds, household codes, ballots and opinions."""

    vault: Vault | None = None

    # ---- rounds --------------------------------------------------------------------

    def open_consultation(
        self,
        project_id: UUID,
        data: dict[str, Any],
        *,
        actor: Actor,
        command_id: str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        """Open a round; returns its id (also on a replay of the same command)."""
        consultation_id = uuid.uuid4().hex[:12]

        def command(project: RenovationProject) -> dict[str, str]:
            project.open_consultation(
                consultation_id,
                kind=data["kind"],
                title=data["title"],
                questions=data.get("questions", []),
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
                scope=data.get("scope") or {},
                intent_vote=data.get("intent_vote", False),
                matter=data.get("matter"),
                actor=actor,
                command_id=command_id,
            )
            return {"consultation_id": consultation_id}

        return self.execute(
            project_id,
            command,
            expected_version=expected_version,
            command_id=command_id,
            replay=lambda event: {"consultation_id": event.round_id},
        )

    def revise_consultation_questions(
        self,
        project_id: UUID,
        consultation_id: str,
        questions: list[dict[str, Any]],
        *,
        actor: Actor,
        command_id: str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        """New questions for a round before it opens (refused from its opening on)."""
        return self.execute(
            project_id,
            lambda p: p.revise_consultation_questions(
                consultation_id,
                questions=questions,
                now=self.now(),
                actor=actor,
                command_id=command_id,
            ),
            command_id=command_id,
            expected_version=expected_version,
        )

    def take_up_written_answer(
        self,
        project_id: UUID,
        consultation_id: str,
        answer_id: str,
        data: dict[str, Any],
        *,
        actor: Actor,
        command_id: str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        """Mark a written answer as taken up into an opinion (``opinion_id``) or the plan."""
        return self.execute(
            project_id,
            lambda p: p.take_up_written_answer(
                consultation_id,
                answer_id,
                into=data["into"],
                opinion_id=data.get("opinion_id"),
                note=data.get("note", ""),
                actor=actor,
                command_id=command_id,
            ),
            command_id=command_id,
            expected_version=expected_version,
        )

    def issue_household_codes(
        self,
        project_id: UUID,
        *,
        building: str | None = None,
        actor: Actor,
        command_id: str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        """New codes for every flat (of one building): ``value`` maps flat id → code.

        The codes exist only in this result; the project keeps their digests. A replay
        of the same command cannot show them again: issue new ones instead.
        """

        def command(project: RenovationProject) -> dict[str, str]:
            flats = [f for f in project.flats() if building is None or f["building"] == building]
            if not flats and building is None:
                raise DomainError("no_flats", field="building")
            if not flats:
                raise rules.UnknownFlatError(
                    "unknown_building", field="building", building=building
                )
            codes = {
                rules.flat_id(f["building"], f["unit"], f["number"]): new_code() for f in flats
            }
            key = self.code_key
            if key is None:
                raise RuntimeError("the application has no household-code key (Runtime sets one)")
            project.issue_household_codes(
                {fid: code_digest(project_id, code, key) for fid, code in codes.items()},
                batch_id=uuid.uuid4().hex[:12],
                scheme=KEYED_SCHEME,
                actor=actor,
                command_id=command_id,
            )
            return codes

        return self.execute(
            project_id,
            command,
            command_id=command_id,
            expected_version=expected_version,
            replay=lambda _e: None,
        )

    def cast_vote(
        self,
        project_id: UUID,
        consultation_id: str,
        *,
        answers: dict[str, Any],
        consent: str | None,
        actor: Actor,
        code: str | None = None,
        flat_id: str | None = None,
        effective_on: date | None = None,
        command_id: str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        """A household's ballot: by its code (residents) or by flat id (staff, on paper).

        Voting again before the close replaces the ballot; the history keeps both.
        """

        def vote(project: RenovationProject, flat: str | None) -> None:
            project.cast_vote(
                consultation_id,
                flat_id=flat,
                answers=answers,
                consent=consent,
                now=self.now(),
                actor=actor,
                command_id=command_id,
                effective_on=effective_on,
            )

        return self.execute_vote(
            project_id,
            vote,
            code=code,
            flat_id=flat_id,
            command_id=command_id,
            expected_version=expected_version,
        )

    def cast_paper_vote(
        self, project_id: UUID, consultation_id: str, *, flat_id: str, **ballot: Any
    ) -> CommandResult:
        """Staff enter a paper ballot on a household's behalf; the event names them."""
        return self.cast_vote(project_id, consultation_id, flat_id=flat_id, **ballot)

    def close_consultation(
        self,
        project_id: UUID,
        consultation_id: str,
        *,
        actor: Actor,
        command_id: str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        """Close a round after its window and store its result."""

        def command(project: RenovationProject) -> dict[str, Any]:
            now = self.now()
            ruleset = self.ruleset_for(project, now.astimezone(LOCAL_TZ).date())
            return project.close_consultation(
                consultation_id,
                now=now,
                ruleset=ruleset,
                actor=actor,
                command_id=command_id,
            )

        return self.execute(
            project_id,
            command,
            command_id=command_id,
            expected_version=expected_version,
            replay=lambda event: event.result,
        )

    def round_result(self, project_id: UUID, consultation_id: str) -> dict[str, Any]:
        """A round's result: stored once closed, counted from the ballots while open."""
        project = self.get_project(project_id)
        round_ = project.find_round(consultation_id)
        if round_["result"] is not None:
            return round_["result"]
        day = min(self.now(), round_["closes_at"]).astimezone(LOCAL_TZ).date()
        ruleset = self.ruleset_for(project, day)
        return rules.round_result(round_, project.flats(opening_day(round_["opens_at"])), ruleset)

    def household_ballot(
        self, project_id: UUID, consultation_id: str, code: str
    ) -> tuple[str, dict[str, Any] | None]:
        """The flat of a household code and its ballot in the round (None: not voted yet);
        an unknown code is refused. Read from the project's state, never without the code."""
        project = self.get_project(project_id)
        round_ = project.find_round(consultation_id)
        flat = project.flat_for_code(*self.household_code_digests(project_id, code))
        return flat, round_["ballots"].get(flat)

    # ---- opinions ------------------------------------------------------------------

    def submit_opinion(
        self,
        project_id: UUID,
        data: dict[str, Any],
        *,
        actor: Actor,
        command_id: str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        """A resident's opinion; ``value`` has its id and public tracking code."""
        opinion_id = uuid.uuid4().hex[:16]
        tracking_code = new_code(TRACKING_LENGTH)
        personal = {k: data[k] for k in ("flat", "contact") if data.get(k)}
        key_id = sealed = None
        if personal:
            if self.vault is None:
                raise RuntimeError("no vault for personal data")
            # A key made for a command that then fails or is a replay seals nothing stored.
            key_id, sealed = self.vault.seal(personal, resident_subject(project_id, data))

        def command(project: RenovationProject) -> dict[str, str]:
            today = self.today()
            ruleset = self.ruleset_for(project, today)
            due = add_working_days(today, ruleset.opinion_response_working_days)
            project.submit_opinion(
                opinion_id,
                tracking_code=tracking_code,
                category=data["category"],
                text=data["text"],
                building=data.get("building") or "",
                unit=data.get("unit") or "",
                personal_sealed=sealed,
                personal_key_id=key_id,
                answer_due_on=due,
                actor=actor,
                command_id=command_id,
            )
            return {"opinion_id": opinion_id, "tracking_code": tracking_code}

        return self.execute(
            project_id,
            command,
            command_id=command_id,
            expected_version=expected_version,
            replay=lambda e: {"opinion_id": e.opinion_id, "tracking_code": e.tracking_code},
        )

    def answer_opinions(
        self,
        project_id: UUID,
        opinion_ids: list[str],
        data: dict[str, Any],
        *,
        actor: Actor,
        command_id: str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        """Answer one or several opinions alike, all or none."""

        def command(project: RenovationProject) -> dict[str, list[str]]:
            for opinion_id in opinion_ids:
                project.answer_opinion(
                    opinion_id,
                    outcome=data["outcome"],
                    answer=data["answer"],
                    reason=data.get("reason", ""),
                    referred_to=data.get("referred_to", ""),
                    links=data.get("links", []),
                    actor=actor,
                    command_id=command_id,
                )
            return {"opinion_ids": list(opinion_ids)}

        return self.execute(
            project_id,
            command,
            command_id=command_id,
            expected_version=expected_version,
            replay=lambda _e: {"opinion_ids": list(opinion_ids)},
        )

    def rate_opinion_answer(
        self,
        project_id: UUID,
        opinion_id: str,
        *,
        rating: str,
        actor: Actor,
        command_id: str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        """The resident's rating of the answer (reached through the opinion's tracking code)."""
        return self.execute(
            project_id,
            lambda p: p.rate_answer(opinion_id, rating=rating, actor=actor, command_id=command_id),
            command_id=command_id,
            expected_version=expected_version,
        )

    def moderate_opinion(
        self,
        project_id: UUID,
        opinion_id: str,
        *,
        hidden: bool,
        reason: str,
        actor: Actor,
        command_id: str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self.execute(
            project_id,
            lambda p: p.moderate_opinion(
                opinion_id, hidden=hidden, reason=reason, actor=actor, command_id=command_id
            ),
            command_id=command_id,
            expected_version=expected_version,
        )

    def erase_personal_data(
        self,
        project_id: UUID,
        key_ids: list[str],
        *,
        reason: str,
        actor: Actor,
        command_id: str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        """Erase residents' personal data: destroy their keys, then record that it was done.

        The keys go first, once the command is known to be new and the version current: if
        recording fails, the data is erased all the same and a retry records the event.
        """

        def command(project: RenovationProject) -> None:
            self._erase(project, list(key_ids), reason=reason, actor=actor, command_id=command_id)

        return self.execute(
            project_id, command, command_id=command_id, expected_version=expected_version
        )

    def erase_opinion_personal_data(
        self,
        project_id: UUID,
        opinion_id: str,
        *,
        reason: str,
        actor: Actor,
        command_id: str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        """Erase the personal data of one opinion's sender: their key goes, and with it what
        every record sealed with it holds (one key per resident; refused once there is none)."""

        def command(project: RenovationProject) -> None:
            key_id = project.find_opinion(opinion_id)["personal_key_id"]
            if not key_id:
                raise ConflictError(
                    "personal_data_erased", field="opinion_id", opinion_id=opinion_id
                )
            self._erase(project, [key_id], reason=reason, actor=actor, command_id=command_id)

        return self.execute(
            project_id, command, command_id=command_id, expected_version=expected_version
        )

    def erase_resident(
        self,
        project_id: UUID,
        subjects: list[str],
        *,
        found_key_ids: set[str] | frozenset[str] = frozenset(),
        reason: str,
        actor: Actor,
        command_id: str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        """Erase everything one resident gave: the keys of their subjects (household,
        contact; renovation.application.residents) and any ``found_key_ids`` of their older
        records, as far as this project's opinions name them. ``value``: how many keys."""
        if self.vault is None:
            raise RuntimeError("no vault for personal data")
        candidates = self.vault.keys_of(subjects) | set(found_key_ids)

        def command(project: RenovationProject) -> int:
            chosen = sorted(candidates & project.personal_data_keys())
            if not chosen:
                raise ConflictError("resident_has_no_personal_data", field="flat")
            self._erase(project, chosen, reason=reason, actor=actor, command_id=command_id)
            return len(chosen)

        return self.execute(
            project_id, command, command_id=command_id, expected_version=expected_version
        )

    def _erase(
        self,
        project: RenovationProject,
        key_ids: list[str],
        *,
        reason: str,
        actor: Actor,
        command_id: str | None,
    ) -> None:
        project.erase_personal_data(key_ids, reason=reason, actor=actor, command_id=command_id)
        if self.vault is not None:
            self.vault.destroy(key_ids)
