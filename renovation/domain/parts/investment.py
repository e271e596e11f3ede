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
from decimal import Decimal
from typing import Any

from events.investment import InvestmentSpent
from renovation.domain.base import LOCAL_TZ, MAX_NAME, Actor, Folding, folds, provenance
from renovation.domain.checks import check_amount, check_date, check_not_after_today, check_text
from renovation.domain.errors import InvalidProjectDataError, Problem, add_problem

MAX_VOUCHER = 60


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
        checked = check_amount(amount, "amount", problems)
        if (
            check_date(paid_on, "paid_on", problems)
            and check_not_after_today(paid_on, "paid_on", problems, today=today)
            and paid_on < self.registered_on()
        ):
            add_problem(
                problems, "paid_on", "paid_before_registration", registered_on=self.registered_on()
            )
        purpose_text = check_text(purpose, "purpose", problems, limit=MAX_NAME)
        voucher_text = check_text(voucher, "voucher", problems, limit=MAX_VOUCHER)
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
