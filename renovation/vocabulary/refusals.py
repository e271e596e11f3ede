"""One message per refusal code: an English msgid with ``%(name)s`` parameters.

``PARAMS`` says how each parameter is shown: ``text`` as it is, ``number``, ``date`` (a local
date), ``datetime`` (an instant, shown in Beijing time), ``list`` (joined), or the name of a
label kind (``gate``, ``project_stage``…), shown as its label; ``list:<kind>`` for a list of
those. A parameter not named in ``PARAMS`` is shown as text.

A test fails when a code raised anywhere has no entry here, when a message names a parameter
that ``PARAMS`` leaves out of the kinds above, or when a message has no Chinese.
"""

from __future__ import annotations

from renovation.vocabulary.markers import N_

REFUSALS: dict[str, str] = {
    # ---- generic ------------------------------------------------------------------------
    "rule_violated": N_("The request breaks a rule of the trade."),
    "invalid_data": N_("Some fields are not acceptable."),
    "not_found": N_("Not found."),
    "conflict": N_("Not possible now."),
    # ---- stages -------------------------------------------------------------------------
    "gate_closed": N_("Not possible at the stage “%(from_stage)s”: first %(gate)s."),
}

PARAMS: dict[str, str] = {
    "gate": "gate",
    "from_stage": "project_stage",
    "to_stage": "project_stage",
    "stage": "project_stage",
    "fields": "list",
}
