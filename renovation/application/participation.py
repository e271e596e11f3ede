"""Commands and queries of residents' participation, mixed into the application.

Household codes and tracking codes are made here (randomness and secrets stay out of the
domain); the domain decides whether a ballot or an opinion is acceptable.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from renovation.domain import participation as rules
from renovation.domain.base import LOCAL_TZ
from renovation.domain.deadlines import add_working_days
from renovation.domain.errors import DomainError
from renovation.domain.project import Actor, RenovationProject
from renovation.domain.rulesets import Ruleset, all_rulesets, ruleset_in_force

if TYPE_CHECKING:
    from renovation.application.app import CommandResult

# No 0/O, 1/I/L: a code read aloud or typed by an older resident must not be misread.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10  # 31**10 ≈ 2**49.5
TRACKING_ALPHABET = CODE_ALPHABET
TRACKING_LENGTH = 8


class Vault(Protocol):
    def seal(self, record: dict[str, Any]) -> tuple[str, str]: ...
    def open(self, key_id: str | None, sealed: str | None) -> dict[str, Any] | None: ...
    def destroy(self, key_ids: list[str]) -> int: ...


def normalise_code(code: str) -> str:
    """Upper case, without spaces or dashes: how a code is compared."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def code_digest(project_id: UUID, code: str) -> str:
    """A household code's digest, bound to its project: another project's code never matches."""
    return hashlib.sha256(f"{project_id}:{normalise_code(code)}".encode()).hexdigest()


def new_code(length: int = CODE_LENGTH) -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
    return f"{raw[:5]}-{raw[5:]}" if length == CODE_LENGTH else raw


class ParticipationMixin:
    """Consultation rounds, household codes, ballots and opinions."""

    clock: Callable[[], datetime] = staticmethod(lambda: datetime.now(UTC))
    vault: Vault | None = None

    # The application provides these.
    execute: Callable[..., CommandResult]
    get_project: Callable[..., RenovationProject]

    def today(self) -> date:
        """The bureau's calendar day (Asia/Shanghai): rulesets and deadlines go by it."""
        return self.clock().astimezone(LOCAL_TZ).date()

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
        round_id = uuid.uuid4().hex[:12]

        def command(project: RenovationProject) -> dict[str, str]:
            project.open_consultation(
                round_id,
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
            return {"round_id": round_id}

        return self.execute(
            project_id,
            command,
            expected_version=expected_version,
            command_id=command_id,
            replay=lambda event: {"round_id": event.round_id},
        )

    def issue_household_codes(
        self,
        project_id: UUID,
        *,
        building: str | None = None,
        actor: Actor,
        command_id: str | None = None,
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
            project.issue_household_codes(
                {fid: code_digest(project_id, code) for fid, code in codes.items()},
                batch_id=uuid.uuid4().hex[:12],
                actor=actor,
                command_id=command_id,
            )
            return codes

        return self.execute(project_id, command, command_id=command_id, replay=lambda _e: None)

    def cast_ballot(
        self,
        project_id: UUID,
        round_id: str,
        *,
        answers: dict[str, Any],
        consent: str | None,
        actor: Actor,
        code: str | None = None,
        flat_id: str | None = None,
        effective_on: date | None = None,
        command_id: str | None = None,
    ) -> CommandResult:
        """A household's ballot: by its code (residents) or by flat id (staff, on paper).

        Voting again before the close replaces the ballot; the history keeps both.
        """

        def command(project: RenovationProject) -> dict[str, str]:
            flat = project.flat_for_code(code_digest(project_id, code)) if code else flat_id
            project.cast_ballot(
                round_id,
                flat_id=flat,
                answers=answers,
                consent=consent,
                now=self.clock(),
                actor=actor,
                command_id=command_id,
                effective_on=effective_on,
            )
            return {"flat_id": flat}

        return self.execute(
            project_id,
            command,
            command_id=command_id,
            replay=lambda event: {"flat_id": event.flat_id},
        )

    def cast_paper_ballot(
        self, project_id: UUID, round_id: str, *, flat_id: str, **ballot: Any
    ) -> CommandResult:
        """Staff enter a paper ballot on a household's behalf; the event names them."""
        return self.cast_ballot(project_id, round_id, flat_id=flat_id, **ballot)

    def close_consultation(
        self,
        project_id: UUID,
        round_id: str,
        *,
        actor: Actor,
        command_id: str | None = None,
    ) -> CommandResult:
        """Close a round after its window and store its result."""

        def command(project: RenovationProject) -> dict[str, Any]:
            now = self.clock()
            ruleset = self.ruleset_for(project, now.astimezone(LOCAL_TZ).date())
            return project.close_consultation(
                round_id,
                now=now,
                ruleset=ruleset,
                actor=actor,
                command_id=command_id,
            )

        return self.execute(
            project_id,
            command,
            command_id=command_id,
            replay=lambda event: event.result,
        )

    def round_result(self, project_id: UUID, round_id: str) -> dict[str, Any]:
        """A round's result: stored once closed, counted from the ballots while open."""
        project = self.get_project(project_id)
        round_ = project.find_round(round_id)
        if round_["result"] is not None:
            return round_["result"]
        day = min(self.clock(), round_["closes_at"]).astimezone(LOCAL_TZ).date()
        ruleset = self.ruleset_for(project, day)
        return rules.round_result(round_, project.flats(), ruleset)

    @staticmethod
    def ruleset_for(project: RenovationProject, day: date) -> Ruleset:
        """The ruleset in force in the project's city on ``day``, else the national one."""
        city = project.community.get("city") or ""
        codes = {r.city_name: r.city_code for r in all_rulesets() if r.city_code}
        return ruleset_in_force(codes.get(city), day)

    # ---- opinions ------------------------------------------------------------------

    def submit_opinion(
        self,
        project_id: UUID,
        data: dict[str, Any],
        *,
        actor: Actor,
        command_id: str | None = None,
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
            key_id, sealed = self.vault.seal(personal)

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

    def moderate_opinion(
        self,
        project_id: UUID,
        opinion_id: str,
        *,
        hidden: bool,
        reason: str,
        actor: Actor,
        command_id: str | None = None,
    ) -> CommandResult:
        return self.execute(
            project_id,
            lambda p: p.moderate_opinion(
                opinion_id, hidden=hidden, reason=reason, actor=actor, command_id=command_id
            ),
            command_id=command_id,
        )

    def erase_personal_data(
        self,
        project_id: UUID,
        key_ids: list[str],
        *,
        reason: str,
        actor: Actor,
        command_id: str | None = None,
    ) -> CommandResult:
        """Erase residents' personal data: destroy their keys, then record that it was done.

        The keys go first: if recording fails, the data is erased all the same and a retry
        records the event.
        """
        project = self.get_project(project_id)
        known = {o["personal_key_id"] for o in project.opinions.values() if o["personal_key_id"]}
        if not key_ids or not set(key_ids) <= known:
            raise DomainError("unknown_personal_data", field="key_ids")
        if self.vault is not None:
            self.vault.destroy(list(key_ids))
        return self.execute(
            project_id,
            lambda p: p.erase_personal_data(
                list(key_ids), reason=reason, actor=actor, command_id=command_id
            ),
            command_id=command_id,
        )
