"""Commands after construction: units, acceptance notice and meeting, rectification items,
filing, resident supervisors, inspection notes, photos and the hand-over."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from renovation.application.base import ApplicationBase, CommandResult
from renovation.domain.errors import DomainError
from renovation.domain.project import Actor

# Every command of this area is the aggregate's method of the same name, with the data's
# fields as keyword arguments; the aggregate checks them and names the field it refuses.
# A command that makes something answers its id, from the first event on a replay.
_RESULTS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "notify_acceptance": ("notice_id", lambda e: e.notice_id),
    "record_acceptance_meeting": ("item_ids", lambda e: [d["item_id"] for d in e.defects]),
    "appoint_supervisor": ("supervisor_id", lambda e: e.supervisor_id),
    "record_inspection_note": ("note_id", lambda e: e.note_id),
}


class AcceptanceArea(ApplicationBase):
    """Completion acceptance (竣工验收) and what follows it."""

    vault: Any

    def _command(
        self,
        method: str,
        project_id: UUID,
        fields: dict[str, Any],
        *,
        actor: Actor,
        command_id: str | None,
        expected_version: int | None,
        args: tuple[Any, ...] = (),
        rules: bool = False,
    ) -> CommandResult:
        result_name, from_event = _RESULTS.get(method, (None, None))

        def run(p: Any) -> dict[str, Any]:
            extra: dict[str, Any] = {}
            if rules:
                ruleset = self.ruleset_for(p, self.today())
                extra = {
                    "notice_working_days": ruleset.acceptance_notice_working_days,
                    "calendar": None,
                    "today": self.today(),
                }
            value = getattr(p, method)(*args, **fields, **extra, actor=actor, command_id=command_id)
            return {result_name: value} if result_name else {}

        return self.execute(
            project_id,
            run,
            command_id=command_id,
            expected_version=expected_version,
            replay=lambda e: {result_name: from_event(e)} if from_event else {},
        )

    def record_unit(
        self, project_id: UUID, data: dict[str, Any], *, actor: Actor, **options: Any
    ) -> CommandResult:
        fields = {k: data.get(k, "") for k in ("role", "name", "credit_code", "contact_role")}
        return self._command("record_unit", project_id, fields, actor=actor, **_opts(options))

    def name_milestone_builder(
        self,
        project_id: UUID,
        milestone_id: str,
        data: dict[str, Any],
        *,
        actor: Actor,
        **options: Any,
    ) -> CommandResult:
        fields = {"unit_role": data.get("unit_role", "")}
        return self._command(
            "name_milestone_builder",
            project_id,
            fields,
            actor=actor,
            args=(milestone_id,),
            **_opts(options),
        )

    def notify_acceptance(
        self, project_id: UUID, data: dict[str, Any], *, actor: Actor, **options: Any
    ) -> CommandResult:
        fields = {
            "notified_on": data.get("notified_on") or self.today(),
            "meeting_on": data["meeting_on"],
            "place": data.get("place", ""),
            "group": list(data.get("group") or []),
        }
        return self._command(
            "notify_acceptance", project_id, fields, actor=actor, rules=True, **_opts(options)
        )

    def record_acceptance_meeting(
        self, project_id: UUID, data: dict[str, Any], *, actor: Actor, **options: Any
    ) -> CommandResult:
        fields = {
            "held_on": data["held_on"],
            "place": data.get("place", ""),
            "units_present": list(data.get("units_present") or []),
            "representatives": list(data.get("representatives") or []),
            "conclusion": data.get("conclusion", ""),
            "defects": list(data.get("defects") or []),
        }
        return self._command(
            "record_acceptance_meeting",
            project_id,
            fields,
            actor=actor,
            rules=True,
            **_opts(options),
        )

    def rectification_step(
        self,
        project_id: UUID,
        item_id: str,
        action: str,
        data: dict[str, Any],
        *,
        actor: Actor,
        approver: str | None = None,
        **options: Any,
    ) -> CommandResult:
        """One step of a rectification item: ``work_required``, ``ready``, ``approve``,
        ``reopen``. ``approver`` is the co-approver the actor acts as; staff acting for
        anyone is a paper sign-off made on their behalf."""
        on_behalf = actor.role != "supervisor"
        method, fields = {
            "work_required": ("require_rectification_work", {"note": data.get("note", "")}),
            "ready": (
                "report_rectification_done",
                {"note": data.get("note", ""), "photos": self._photos(data)},
            ),
            "approve": (
                "approve_rectification",
                {"approver": approver, "on_behalf": on_behalf, "note": data.get("note", "")},
            ),
            "reopen": (
                "reopen_rectification",
                {"approver": approver, "on_behalf": on_behalf, "reason": data.get("reason", "")},
            ),
        }[action]
        return self._command(
            method, project_id, fields, actor=actor, args=(item_id,), **_opts(options)
        )

    def file_acceptance(
        self, project_id: UUID, data: dict[str, Any], *, actor: Actor, **options: Any
    ) -> CommandResult:
        fields = {
            "filing_number": data.get("filing_number", ""),
            "filed_on": data.get("filed_on") or self.today(),
        }
        return self._command("file_acceptance", project_id, fields, actor=actor, **_opts(options))

    def appoint_supervisor(
        self, project_id: UUID, data: dict[str, Any], *, actor: Actor, **options: Any
    ) -> CommandResult:
        """Seal the supervisor's name in the vault, then record the appointment."""
        name = (data.get("name") or "").strip()
        if not name or len(name) > 100:
            raise DomainError("length_between", field="name", min=1, max=100)
        if self.vault is None:
            raise RuntimeError("no vault for personal data")
        key_id, sealed = self.vault.seal({"name": name})
        fields = {
            "role_label": data.get("role_label", ""),
            "name_key": key_id,
            "name_sealed": sealed,
        }
        return self._command(
            "appoint_supervisor", project_id, fields, actor=actor, **_opts(options)
        )

    def record_inspection_note(
        self,
        project_id: UUID,
        data: dict[str, Any],
        *,
        actor: Actor,
        supervisor_id: str,
        **options: Any,
    ) -> CommandResult:
        fields = {
            "supervisor_id": supervisor_id,
            "on_date": data.get("on_date") or self.today(),
            "text": data.get("text", ""),
            "photos": self._photos(data),
            "milestone_id": data.get("milestone_id") or None,
            "item_id": data.get("item_id") or None,
            "on_behalf": actor.role != "supervisor",
        }
        return self._command(
            "record_inspection_note", project_id, fields, actor=actor, **_opts(options)
        )

    def attach_photos(
        self, project_id: UUID, data: dict[str, Any], *, actor: Actor, **options: Any
    ) -> CommandResult:
        fields = {
            "subject": data.get("subject", ""),
            "subject_id": data.get("subject_id", ""),
            "photos": self._photos(data),
            "caption": data.get("caption", ""),
        }
        return self._command("attach_photos", project_id, fields, actor=actor, **_opts(options))

    def record_handover(
        self, project_id: UUID, data: dict[str, Any], *, actor: Actor, **options: Any
    ) -> CommandResult:
        fields = {
            k: data.get(k, "")
            for k in ("manager_kind", "manager_name", "rules_adopted", "maintenance_fund")
        }
        fields["handed_over_on"] = data.get("handed_over_on") or self.today()
        return self._command("record_handover", project_id, fields, actor=actor, **_opts(options))

    # A photo store checks that each named photo was uploaded; set by the runtime.
    photo_store: Any = None

    def _photos(self, data: dict[str, Any]) -> list[str]:
        photos = list(data.get("photos") or [])
        if self.photo_store is not None:
            for sha256 in photos:
                if not (isinstance(sha256, str) and self.photo_store.exists(sha256)):
                    raise DomainError("unknown_photo", field="photos")
        return photos


def _opts(options: dict[str, Any]) -> dict[str, Any]:
    """The command contract's options: ``command_id`` and ``expected_version``."""
    unknown = set(options) - {"command_id", "expected_version"}
    if unknown:
        raise TypeError(f"unexpected options: {sorted(unknown)}")
    return {
        "command_id": options.get("command_id"),
        "expected_version": options.get("expected_version"),
    }
