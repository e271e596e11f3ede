"""An opinion's receipt (意见查询码回执): a small page a resident keeps, with the tracking code,
the tracking page's address and its QR code. Nothing else: no text of the opinion, no contact,
no flat — the code is the only thing about the resident on it."""

from __future__ import annotations

from typing import Any

from renovation.reports.household_codes import qr_svg
from renovation.reports.rendering import (
    html_to_pdf,
    layout_labels,
    render_html,
    report_language,
    translated,
)
from renovation.vocabulary.markers import N_

TEMPLATE = "reports/opinion_receipt/receipt.html"

MESSAGES: dict[str, str] = {
    "title": N_("Opinion tracking code"),
    "code": N_("Tracking code"),
    "how": N_(
        "Scan the QR code, or open the address below, to see how your opinion is handled "
        "and read the bureau's answer."
    ),
    "address": N_("Tracking page"),
    "keep": N_("Keep this receipt: the code is the only way to find your opinion again."),
}


def template_values(context: dict[str, Any]) -> dict[str, Any]:
    """The receipt template's values: the code in two groups, the link and its QR code."""
    lang = report_language(context.get("lang"))
    labels = {**layout_labels(lang), **translated(MESSAGES, lang)}
    code = context["code"]
    return {
        "lang": lang,
        "words": labels,
        "title": labels["title"],
        "code_groups": [code[:4], code[4:]],
        "tracking_url": context["tracking_url"],
        "qr": qr_svg(context["tracking_url"]),
        # The shared layout's names; the receipt overrides the blocks that print them.
        "position": 0,
        "chain_digest": "",
        "as_of": None,
        "generated_at": "",
    }


def opinion_receipt_html(context: dict[str, Any]) -> str:
    return render_html(TEMPLATE, template_values(context))


def render_opinion_receipt(context: dict[str, Any]) -> bytes:
    """The receipt as PDF bytes: one A6 page."""
    return html_to_pdf(opinion_receipt_html(context))
