"""Events of a project's investment (资金): what was paid out of each funding source, as stored.

Released event classes are never edited in place: a change of shape gets a new
``class_version`` and an upcast method (see ``events/project.py``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from events.project import ProjectEvent


class InvestmentSpent(ProjectEvent):
    """A payment was made out of one of the project's funding sources (资金来源).

    ``amount`` is in yuan (a Decimal, at most two decimals), ``paid_on`` the day it was paid,
    ``purpose`` what it paid for, ``voucher`` the finance voucher or reference number
    (凭证号), unique within the project.
    """

    source: str
    amount: Any  # Decimal
    paid_on: date
    purpose: str
    voucher: str
