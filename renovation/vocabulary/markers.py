"""The extraction marker: ``N_("…")`` names a msgid for pybabel, translated when shown."""


def N_(message: str) -> str:
    return message
