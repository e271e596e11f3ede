"""Household code slips (户码通知单): one slip per flat, to cut out and hand to each household.

Each slip carries the flat, its code in large letters, a QR code of the flat's voting link
(a PNG drawn by zxing-cpp, one pixel a module, embedded as a ``data:`` URI and printed without
smoothing: no image files, no network) and short instructions for an older resident. Slips
are grouped by building and unit; each unit starts a new page, so a stairwell's slips can be
handed out together.

The sheet prints no chain digest: it is not a record of the project's history but a
distribution sheet, and the codes on it replace any codes issued before.
"""

from __future__ import annotations

import base64
import io
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import segno
import zxingcpp
from markupsafe import Markup
from PIL import Image

from renovation.reports.rendering import (
    InlineImage,
    html_to_pdf,
    layout_labels,
    render_html,
    report_language,
    translated,
)
from renovation.vocabulary.markers import N_

TEMPLATE = "reports/household_codes/sheet.html"

# Two columns by three rows on A4 (household_codes.css): a slip is 95 × 85 mm, room for a code
# in letters large enough to read without glasses and a QR code a phone finds at arm's length.
COLUMNS = 2
ROWS = 3
SLIPS_PER_PAGE = COLUMNS * ROWS

QR_ERROR_LEVEL = "M"

MESSAGES: dict[str, Any] = {
    "title": N_("Household voting codes"),
    "flat": N_("Building %(building)s, unit %(unit)s, flat %(number)s"),
    "code": N_("Code"),
    "scan": N_("Scan to vote"),
    "website": N_("Web address"),
    "instructions": [
        N_("Scan the QR code: the voting page opens with the code filled in."),
        N_("Or open the web address below and type the code."),
        N_("Keep it safe; do not lend it."),
    ],
    "unreachable_slip": N_("Note: a test address on this computer; phones cannot open it."),
    # Words only, no address or setting's name: the sheet reaches residents (the staff page
    # names PUBLIC_BASE_URL).
    "unreachable_sheet": N_(
        "These links and QR codes point at this computer, which phones cannot open: set the "
        "service's public address and issue the codes again."
    ),
    "issued": N_("Issued %(issued_at)s; earlier codes are no longer valid"),
    "group": N_("Building %(building)s, unit %(unit)s · %(count)s flats"),
    "group_page": N_("sheet %(page)s of %(pages)s"),
    "cut": N_("Cut along the dashed lines, one slip per household"),
    "footer": N_("%(name)s · codes issued %(issued_at)s"),
    "footer_position": N_("position %(position)s"),
    "whole_project": N_("all buildings"),
    "building_scope": N_("Building %(building)s"),
    "no_flats": N_("No flats to issue codes to."),
}


def qr_svg(url: str) -> Markup:
    """The QR code of ``url`` as an inline ``<svg>`` element, sized by CSS (viewBox only), for
    a page with one QR code (opinion receipt, lift notice); the slips print ``qr_png``.

    segno draws the dark modules as one stroked path; the quiet zone (4 modules) is part
    of the drawing, so the code scans even when the paper is cut close to it.
    """
    qr = segno.make(url, error=QR_ERROR_LEVEL, micro=False)
    svg = qr.svg_inline(scale=1, border=4, omitsize=True, svgclass="qr", lineclass="qr-modules")
    # SVG text would otherwise take Japanese glyph variants (DESIGN.md pitfalls); a QR code
    # has no text, but every svg in a report names its font family all the same.
    svg = svg.replace("<svg ", '<svg font-family="Noto Sans CJK SC" role="img" ', 1)
    return Markup(svg)


def qr_png(url: str) -> tuple[str, InlineImage]:
    """The QR code of ``url`` as a PNG ``data:`` URI, with its media type and bytes.

    One pixel a module, the quiet zone (4 modules) included, so the code scans even when
    the slip is cut close to it; the sheet's CSS prints it 30 mm wide without smoothing
    (``image-rendering: pixelated``), as sharp as a vector drawing. An image costs WeasyPrint
    a fraction of an inline SVG path of the same modules (benchmarks/RESULTS.md).

    Drawn by zxing-cpp, which picks the data mask the standard's way (the lowest penalty
    score of the eight, ISO/IEC 18004 7.8.3) in compiled code: 0.4 ms a code where segno,
    scoring the masks in Python, takes about 10 ms, and a sheet has one code a flat.
    """
    barcode = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level=QR_ERROR_LEVEL)
    modules = barcode.to_image(scale=1, add_quiet_zones=True)
    height, width = modules.shape
    image = Image.frombytes("L", (width, height), bytes(memoryview(modules))).convert("1")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    data = buffer.getvalue()
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii"), ("image/png", data)


def address_without_code(vote_url: str) -> str:
    """The voting link without its ``code`` parameter: what a resident types, then the code."""
    parts = urlsplit(vote_url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "code"]
    return urlunsplit(parts._replace(query=urlencode(query), fragment=""))


def _natural(value: Any) -> tuple:
    """Sort key of a building, unit or flat number: "2" before "10", "A" after digits."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in re.findall(r"\d+|\D+", str(value))
    )


def _display_code(code: str) -> str:
    return code.upper()


def _pages(
    flats: list[dict[str, Any]], labels: dict[str, Any], images: dict[str, InlineImage]
) -> list[dict[str, Any]]:
    """Pages of slips: a unit's flats fill pages in order; the next unit starts a new page.
    Each slip's QR code is added to ``images`` (its ``data:`` URI → media type and bytes)."""
    units: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for flat in sorted(
        flats,
        key=lambda f: (
            _natural(f["building"]),
            _natural(f["unit"]),
            f.get("floor") if isinstance(f.get("floor"), int) else 0,
            _natural(f["number"]),
        ),
    ):
        units.setdefault((str(flat["building"]), str(flat["unit"])), []).append(flat)

    pages = []
    for (building, unit), members in units.items():
        slips = []
        for flat in members:
            uri, image = qr_png(flat["vote_url"])
            images[uri] = image
            slips.append(
                {
                    "flat_id": flat["flat_id"],
                    "flat": labels["flat"]
                    % {"building": building, "unit": unit, "number": flat["number"]},
                    "code": _display_code(flat["code"]),
                    "qr": uri,
                    "address": address_without_code(flat["vote_url"]),
                }
            )
        chunks = [slips[i : i + SLIPS_PER_PAGE] for i in range(0, len(slips), SLIPS_PER_PAGE)]
        for index, chunk in enumerate(chunks, start=1):
            pages.append(
                {
                    "group": labels["group"]
                    % {"building": building, "unit": unit, "count": len(members)},
                    "group_page": labels["group_page"] % {"page": index, "pages": len(chunks)},
                    "slips": chunk,
                }
            )
    return pages


def template_values(
    context: dict[str, Any], images: dict[str, InlineImage] | None = None
) -> dict[str, Any]:
    """The sheet template's values: labels, and the slips laid out in pages of rows; the QR
    codes' images go into ``images`` when given."""
    lang = report_language(context.get("lang"))
    labels = {**layout_labels(lang), **translated(MESSAGES, lang)}
    project = context["project"]
    issued_at = context["issued_at"]
    footer = labels["footer"] % {"name": project["name"], "issued_at": issued_at}
    if context.get("position") is not None:
        footer += " · " + labels["footer_position"] % {"position": int(context["position"])}
    building = context.get("building")
    scope = (
        labels["building_scope"] % {"building": building} if building else labels["whole_project"]
    )
    flats = context.get("flats", [])
    return {
        "lang": lang,
        # The callers know the configured address (PUBLIC_BASE_URL); an older context does not.
        "unreachable": not context.get("phones_can_open", True),
        "words": labels,
        "title": f"{labels['title']} · {project['name']}",
        "project": project,
        "scope": scope,
        "issued_at": issued_at,
        "issued": labels["issued"] % {"issued_at": issued_at},
        "footer": footer,
        "pages": _pages(flats, labels, {} if images is None else images),
        # The shared layout's names; the sheet overrides the blocks that print them.
        "position": context.get("position") or 0,
        "chain_digest": "",
        "audit_checkpoint": context.get("audit_checkpoint"),
        "as_of": None,
        "generated_at": issued_at,
    }


def household_code_sheet_html(
    context: dict[str, Any], images: dict[str, InlineImage] | None = None
) -> str:
    """The code sheet as HTML (for tests and debugging); its QR codes go into ``images``."""
    return render_html(TEMPLATE, template_values(context, images))


def render_household_code_sheet(context: dict[str, Any]) -> bytes:
    """The code sheet as PDF bytes: A4, six slips a page, cut lines between them."""
    images: dict[str, InlineImage] = {}
    html = household_code_sheet_html(context, images)
    return html_to_pdf(html, images=images)
