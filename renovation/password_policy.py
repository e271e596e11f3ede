"""What a password must be: long enough, not one character repeated, not a run along the
keyboard or the alphabet, not the username, and not on a short list of the passwords most
often guessed first (``common_passwords.txt``, lowercase, one a line).

Refusals are :class:`renovation.accounts.AccountError` codes, each in the refusal catalogue.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

MIN_LENGTH = 8
MAX_LENGTH = 200

# Runs a person types without thinking: the digits, the alphabet, the keyboard's rows.
_RUNS = (
    "01234567890123456789",
    "98765432109876543210",
    "abcdefghijklmnopqrstuvwxyz",
    "zyxwvutsrqponmlkjihgfedcba",
    "qwertyuiopasdfghjklzxcvbnm",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
)


@cache
def common_passwords() -> frozenset[str]:
    text = files("renovation").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def password_problem(password: str, username: str = "") -> tuple[str, dict[str, int]] | None:
    """The refusal code and its parameters, or None when the password may be used."""
    if len(password) < MIN_LENGTH:
        return "password_too_short", {"min": MIN_LENGTH}
    if len(password) > MAX_LENGTH:
        return "too_long", {"max": MAX_LENGTH}
    if len(set(password)) == 1:
        return "password_one_character", {}
    folded = password.lower()
    if username and folded == username.strip().lower():
        return "password_is_username", {}
    if folded in common_passwords() or any(folded in run for run in _RUNS):
        return "password_too_common", {}
    return None
