"""What every part of the project aggregate shares: who acts, provenance, and event folding.

The aggregate is composed of parts, one per area of the trade (consultations, opinions, lift
retrofits, milestones). Each part holds its commands and, marked with :func:`folds`, the
methods that fold its events into state. :class:`Folding` collects those marks from every
part, so ``when()`` finds the one method for an event's class.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, TypeVar
from zoneinfo import ZoneInfo

# The bureau's local time: deadlines, local dates and everything shown to people.
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
MAX_NAME = 200
MAX_NOTE = 2000

Method = TypeVar("Method", bound=Callable[..., None])


# Who records events: the accounts' roles, residents (voting or writing without an account)
# and the service itself; and the ways a record reaches the service.
ACTOR_ROLES = ("staff", "admin", "auditor", "resident", "supervisor", "system")
CHANNELS = ("web", "api", "paper", "cli")


@dataclass(frozen=True)
class Actor:
    """Who asked for a change: a user (id and role) or a resident, and by which channel."""

    id: str
    role: str
    channel: str = "api"


def provenance(actor: Actor, command_id: str | None, effective_on: date | None) -> dict:
    """The fields every project event carries about who recorded it and why."""
    return {
        "actor_id": actor.id,
        "actor_role": actor.role,
        "channel": actor.channel,
        "effective_on": effective_on,
        "command_id": command_id,
    }


def folds(event_type: type) -> Callable[[Method], Method]:
    """Mark a method as the one that folds ``event_type`` into the aggregate's state."""

    def mark(method: Method) -> Method:
        method.folds_event = event_type  # type: ignore[attr-defined]
        return method

    return mark


class Folding:
    """Dispatches each event to the method its part marked with :func:`folds`."""

    _folds: ClassVar[dict[type, str]] = {}
    command_ids: dict[str, int]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        registry: dict[type, str] = {}
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                event_type = getattr(value, "folds_event", None)
                if event_type is None:
                    continue
                if registry.get(event_type, name) != name:
                    raise TypeError(f"{event_type.__name__} is folded twice: {name}")
                registry[event_type] = name
        cls._folds = registry

    def when(self, event: Any) -> None:
        name = self._folds.get(type(event))
        if name is None:
            raise NotImplementedError(type(event).__qualname__)  # an event nobody folds
        getattr(self, name)(event)
        if event.command_id:
            # The first event a command made: a replay answers from it.
            self.command_ids.setdefault(event.command_id, event.originator_version)
