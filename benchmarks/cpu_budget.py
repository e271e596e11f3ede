"""Where a run's CPU went: the CPU seconds of the processes under test, read from /proc
(Linux) before and after the measured window, per answered request.

Groups: ``web`` (gunicorn's master and workers), ``worker`` (``renovation projections
follow``) and ``database`` (every PostgreSQL server process; SQLite runs inside the others).
The load client is left out: it is the same for the anchor and the service.
"""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of one process (its own, not its children's)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.extend(int(child) for child in text)
    return found


def _postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in ("postgres", "postmaster"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def sample(web: int, worker: int | None = None) -> dict[str, dict[int, float]]:
    """CPU seconds so far of each process of each group (``web``: gunicorn's master pid)."""
    groups = {
        "web": [web, *_children(web)],
        "worker": [worker] if worker else [],
        "database": _postgres_pids(),
    }
    taken: dict[str, dict[int, float]] = {}
    for group, pids in groups.items():
        taken[group] = {}
        for pid in pids:
            try:
                taken[group][pid] = _cpu_seconds(pid)
            except OSError:  # gone meanwhile
                continue
    return taken


def per_request(
    before: dict[str, dict[int, float]], after: dict[str, dict[int, float]], requests: int
) -> dict[str, float]:
    """Milliseconds of CPU per request of each group between two samples (a process that
    started in between counts from zero)."""
    return {
        group: sum(cpu - before[group].get(pid, 0.0) for pid, cpu in after[group].items())
        * 1000
        / max(requests, 1)
        for group in after
    }


def cells(budget: dict[str, float]) -> str:
    """``web | worker | database | all`` in ms, for a Markdown table."""
    parts = [budget.get(g, 0.0) for g in ("web", "worker", "database")]
    return " | ".join(f"{p:.2f}" for p in [*parts, sum(parts)])
