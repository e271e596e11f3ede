"""The unified social credit code (统一社会信用代码) of an organisation, per GB 32100-2015.

Eighteen characters from a 31-character alphabet (digits and capital letters without I, O, S,
V and Z); the last is a check character computed from the first seventeen with weights
3^(i) mod 31, so a mistyped character or two swapped neighbours is caught.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18


def check_character(first_seventeen: str) -> str:
    """The check character (position 18) for the first seventeen characters."""
    total = sum(ALPHABET.index(c) * w for c, w in zip(first_seventeen, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> tuple[str, dict[str, object]] | None:
    """``None`` if ``code`` is a valid credit code, else the refusal code and its parameters."""
    if len(code) != LENGTH:
        return "credit_code_length", {"length": LENGTH}
    bad = sorted({c for c in code if c not in ALPHABET})
    if bad:
        return "credit_code_characters", {"characters": bad}
    if check_character(code[:17]) != code[17]:
        return "credit_code_check", {"check_character": check_character(code[:17])}
    return None


def normalise_credit_code(code: str) -> str:
    """Upper case without spaces, as people copy it from a licence."""
    return "".join(code.split()).upper()
