"""The demo's investment payments (资金支付): for every project from construction on, a few
payments out of each registered funding source, through the application's command
(renovation.demo).

Each source pays out a share of its planned amount, more of it the further the project is;
the share is split into two to four payments (three or more once settled) in whole fen, so
the plan is never exceeded.
Every payment is dated between the project's registration and today (the application's
clock), carries a voucher number and its purpose, and has its own command id, so loading the
demo again records nothing twice.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from renovation.application.app import RenovationApplication
from renovation.domain.project import Actor

# The share of each source's planned amount paid by now, in basis points (low, high), by stage.
PAID_SHARE: dict[str, tuple[int, int]] = {
    "under_construction": (2000, 6000),
    "acceptance_inspection": (6000, 8500),
    "rectification": (6000, 8500),
    "accepted": (8000, 10000),
    "evaluation": (8000, 10000),
    "long_term_management": (8000, 10000),
}
# Stages past construction: a source's last payment is the final settlement.
BUILT = ("acceptance_inspection", "rectification", "accepted", "evaluation", "long_term_management")
# What a source's payments pay for, in the order they fall due (the first source pays the
# design first, the others start with the works' advance).
PURPOSES = ["设计费", "工程预付款", "工程进度款", "监理费", "工程进度款"]
SETTLEMENT = "竣工结算款"


def split_fen(total: int, parts: int, rng: random.Random) -> list[int]:
    """``total`` fen in ``parts`` payments of at least one fen each, summing to it exactly."""
    weights = [rng.randint(2, 10) for _ in range(parts)]
    shares = [max(total * w // sum(weights), 1) for w in weights[:-1]]
    return [*shares, total - sum(shares)]


def yuan(fen: int) -> Decimal:
    return Decimal(fen) / 100


def add_demo_payments(
    app: RenovationApplication, project_id: Any, name: str, rng: random.Random, actor: Actor
) -> None:
    """A few payments out of each funding source of a project under construction or later;
    none for a project not yet built, nor one whose registration is after today."""
    project = app.get_project(project_id)
    share = PAID_SHARE.get(project.stage)
    today, registered = app.today(), project.registered_on()
    if share is None or today < registered:
        return
    finished = project.stage in BUILT
    span = (today - registered).days
    voucher = 0
    for source_index, line in enumerate(project.budget):
        planned_fen = int(Decimal(line["amount"]) * 100)
        paid_fen = planned_fen * rng.randint(*share) // 10000
        count = rng.randint(3 if finished else 2, 4)  # a settled source had progress payments
        if paid_fen < count:
            continue  # a source too small to split: nothing paid out of it
        amounts = split_fen(paid_fen, count, rng)
        days = sorted(registered + timedelta(days=rng.randint(0, span)) for _ in amounts)
        purposes = PURPOSES[min(source_index, 1) :][:count]
        if finished:
            purposes[-1] = SETTLEMENT
        for index, (fen, paid_on, purpose) in enumerate(zip(amounts, days, purposes, strict=True)):
            voucher += 1
            app.record_spending(
                project_id,
                {
                    "source": line["source"],
                    "amount": yuan(fen),
                    "paid_on": paid_on,
                    "purpose": purpose,
                    "voucher": f"付{paid_on:%Y%m}-{voucher:03d}",
                },
                actor=actor,
                command_id=f"demo:{name}:payment:{source_index}:{index}",
            )
