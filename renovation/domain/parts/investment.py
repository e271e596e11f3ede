"""Investment spent (资金支付): payments out of the funding sources the project registered.

A registration plans an amount per funding source (资金来源); each payment made out of one of
them is recorded with its day, what it paid for and its finance voucher number (凭证号).

Spending beyond a source's planned amount is recorded, not refused: a payment that was made
is a fact the bureau's books must show, and a finance clerk reconciles it against the plan
(a budget adjustment, another source) rather than leaving it out. The figures flag it
(``over_plan``) wherever planned and spent are shown side by side.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from events.investment import InvestmentSpent
from renovation.domain.base import LOCAL_TZ, MAX_NAME, Actor, Folding, folds, provenance
from renovation.domain.errors import InvalidProjectDataError, Problem, add_problem
from renovation.domain.registration import MAX_PLANNED_COST

MAX_VOUCHER = 60
FEN = Decimal("0.01")


def check_amount(value: Any, problems: dict[str, list[Problem]]) -> Decimal | None:
    """A payment in yuan: above 0, at most two decimals (fen), at most a trillion."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        add_problem(problems, "amount", "must_be_number")
        return None
    if isinstance(value, bool) or value is None or not amount.is_finite():
        add_problem(problems, "amount", "must_be_number")
        return None
    if amount <= 0:
        add_problem(problems, "amount", "must_be_positive")
    elif amount > MAX_PLANNED_COST:  # before the fen: quantizing a huge number overflows
        add_problem(problems, "amount", "amount_at_most", max=MAX_PLANNED_COST)
    elif amount != amount.quantize(FEN):
        add_problem(problems, "amount", "whole_fen")
    return amount


def _text(value: Any, field: str, limit: int, problems: dict[str, list[Problem]]) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        add_problem(problems, field, "must_be_text")
    elif not text:
        add_problem(problems, field, "required")
    elif len(text) > limit:
        add_problem(problems, field, "too_long", max=limit)
    return text


class InvestmentPart(Folding):
    """Records payments out of the registered funding sources; sums them per source."""

    budget: list[dict[str, Any]]

    def registered_on(self) -> date:
        """The day the registration took effect (its effective date, else its local day)."""
        day = self.__dict__.get("registration_day")
        if day is not None:
            return day
        return self.created_on.astimezone(LOCAL_TZ).date()  # type: ignore[attr-defined]

    def payments(self) -> list[dict[str, Any]]:
        # .get: a project restored from a snapshot older than payments has none yet.
        return self.__dict__.get("investment_payments", [])

    def record_spending(
        self,
        *,
        source: Any,
        amount: Any,
        paid_on: Any,
        purpose: Any,
        voucher: Any,
        today: date,
        actor: Actor,
        command_id: str | None = None,
    ) -> dict[str, Any]:
        """Record a payment; refuses an unknown source, a bad amount or day, a voucher
        recorded already. Returns the source's planned and spent amounts after it."""
        problems: dict[str, list[Problem]] = {}
        sources = [line["source"] for line in self.budget]
        source_text = source.strip() if isinstance(source, str) else source
        if source_text not in sources:
            add_problem(
                problems,
                "source",
                "unknown_funding_source",
                sources=sources or ["—"],
            )
        checked = check_amount(amount, problems)
        if not isinstance(paid_on, date):
            add_problem(problems, "paid_on", "must_be_date")
        elif paid_on > today:
            add_problem(problems, "paid_on", "date_after_today", today=today)
        elif paid_on < self.registered_on():
            add_problem(
                problems, "paid_on", "paid_before_registration", registered_on=self.registered_on()
            )
        purpose_text = _text(purpose, "purpose", MAX_NAME, problems)
        voucher_text = _text(voucher, "voucher", MAX_VOUCHER, problems)
        earlier = next((p for p in self.payments() if p["voucher"] == voucher_text), None)
        if voucher_text and earlier is not None:
            add_problem(
                problems,
                "voucher",
                "voucher_recorded_already",
                voucher=voucher_text,
                paid_on=earlier["paid_on"],
            )
        if problems:
            raise InvalidProjectDataError(problems)
        self.trigger_event(  # type: ignore[attr-defined]
            InvestmentSpent,
            source=source_text,
            amount=checked,
            paid_on=paid_on,
            purpose=purpose_text,
            voucher=voucher_text,
            **provenance(actor, command_id, paid_on),
        )
        return self.investment_line(source_text)

    def investment_line(self, source: str) -> dict[str, Any]:
        """A source's planned and spent amounts, and whether spending went beyond the plan."""
        planned = next(
            (Decimal(b["amount"]) for b in self.budget if b["source"] == source), Decimal(0)
        )
        spent = sum(
            (Decimal(p["amount"]) for p in self.payments() if p["source"] == source), Decimal(0)
        )
        return {
            "source": source,
            "planned": planned,
            "spent": spent,
            "over_plan": spent > planned,
        }

    def investment(self) -> list[dict[str, Any]]:
        """Every funding source, in the registration's order, with its payments."""
        return [
            {
                **self.investment_line(line["source"]),
                "payments": [p for p in self.payments() if p["source"] == line["source"]],
            }
            for line in self.budget
        ]

    @folds(InvestmentSpent)
    def _fold_investment_spent(self, event: InvestmentSpent) -> None:
        self.__dict__.setdefault("investment_payments", []).append(
            {
                "source": event.source,
                "amount": event.amount,
                "paid_on": event.paid_on,
                "purpose": event.purpose,
                "voucher": event.voucher,
                "actor_id": event.actor_id,
                "version": event.originator_version,
            }
        )
