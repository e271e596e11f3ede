"""Charts of the figures, drawn on the server as SVG by pygal, for pages and PDFs alike.

Pages show a chart as ``<img src="data:image/svg+xml;base64,…">``: an SVG image runs no script
and its own styles apply inside it, so the pages' Content-Security-Policy (no inline script or
style) holds. pygal's embedded script tag is dropped all the same (``js=[]`` leaves a config
script behind). Text is set in a CJK font, so Chinese labels draw as Chinese.
"""

from __future__ import annotations

import base64
import re
import sys
import unicodedata
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pygal
from pygal.style import Style

from renovation.vocabulary import Vocabulary

# pygal puts an import hook on ``sys.meta_path`` for its map plugins (unused here); it has no
# ``find_spec``, so Python 3.11 warns (ImportWarning) at every later import that reaches it.
sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, pygal.PluginImportFixer)]

FONT = "'Noto Sans CJK SC', 'WenQuanYi Micro Hei', 'Source Han Sans SC', sans-serif"
STYLE = Style(
    font_family=FONT,
    background="white",
    plot_background="white",
    foreground="#333",
    foreground_strong="#111",
    foreground_subtle="#666",
    colors=("#1f6f8b", "#99c24d", "#e07a5f", "#7768ae", "#f2cc8f"),
    label_font_size=14,
    major_label_font_size=14,
    value_font_size=13,
    value_label_font_size=13,
    legend_font_size=14,
    title_font_size=16,
    tooltip_font_size=13,
)
_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
WIDTH = 640


def _chart(kind: type, title: str, rows: int, **config: Any) -> Any:
    height = max(180, 60 + 34 * rows)
    return kind(
        style=STYLE,
        title=title,
        width=WIDTH,
        height=height,
        js=[],
        disable_xml_declaration=True,
        print_values=True,
        show_legend=config.pop("show_legend", False),
        legend_at_bottom=True,
        truncate_label=-1,
        **config,
    )


def svg(chart: Any) -> str:
    """The chart as SVG text, without any script."""
    if isinstance(chart, pygal.HorizontalBar):
        chart.margin_left = chart.config.margin + _wide_label_room(chart.x_labels or [])
    return _SCRIPT.sub("", chart.render(is_unicode=True))


def _wide_label_room(labels: list[str]) -> float:
    """The room pygal leaves out for the labels beside the bars: it reckons every character
    0.6 em wide, and a Chinese character is a full em."""
    wide = max(
        (sum(unicodedata.east_asian_width(c) in "WF" for c in str(label)) for label in labels),
        default=0,
    )
    return 0.4 * wide * STYLE.label_font_size


def data_uri(svg_text: str) -> str:
    """An ``<img src>`` for the SVG."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg_text.encode()).decode()


def _percent(text: str | None) -> float:
    return float(text.rstrip("%")) if text else 0.0


def stage_funnel(figures: dict[str, Any], words: Vocabulary) -> str:
    """Projects that reached each stage of the programme, in order."""
    chart = _chart(pygal.HorizontalBar, words.gettext("Projects that reached each stage"), 12)
    # A horizontal bar chart draws its first bar at the bottom: the first stage goes on top.
    funnel = list(reversed(figures["funnel"]))
    chart.x_labels = [words.label("project_stage", f["stage"]) for f in funnel]
    chart.add(words.label("figure", "projects"), [f["count"] for f in funnel])
    return svg(chart)


def quantities(figures: dict[str, Any], words: Vocabulary) -> str:
    """Each content item's done quantity as a share of its plan."""
    items = figures["items"]
    chart = _chart(
        pygal.HorizontalBar,
        words.gettext("Works done against plan (%)"),
        len(items),
        range=(0, 100),
        formatter=lambda v: f"{v:.1f}%",
    )
    chart.x_labels = [f"{i['item']}（{i['actual']}/{i['planned']} {i['unit']}）" for i in items]
    chart.add(words.label("figure_column", "done_rate"), [_percent(i["done_rate"]) for i in items])
    return svg(chart)


def rates(figures: dict[str, Any], words: Vocabulary) -> str:
    """Answered on time, adoption, residents' satisfaction with answers and with the works."""
    opinions = figures["opinions"]
    shown = [
        ("opinions_on_time_rate", opinions["on_time_rate"]),
        ("opinions_adoption_rate", opinions["adoption_rate"]),
        ("answer_satisfaction_rate", opinions["answer_satisfaction_rate"]),
        ("satisfaction_rate", figures["satisfaction"]["rate"]),
    ]
    chart = _chart(
        pygal.HorizontalBar,
        words.gettext("Adoption and satisfaction (%)"),
        len(shown),
        range=(0, 100),
        formatter=lambda v: f"{v:.1f}%",
    )
    chart.x_labels = [words.label("figure", k) for k, _ in shown]
    chart.add("%", [_percent(v) for _, v in shown])
    return svg(chart)


def project_progress(lines: list[dict[str, Any]], words: Vocabulary) -> str:
    """Each project's overall progress (projects with milestones)."""
    shown = [line for line in lines if line["progress"] is not None]
    chart = _chart(
        pygal.HorizontalBar,
        words.gettext("Progress of each project (%)"),
        len(shown),
        range=(0, 100),
        formatter=lambda v: f"{v:.1f}%",
    )
    chart.x_labels = [line["name"] for line in shown]
    chart.add("%", [float(line["progress"]) for line in shown])
    return svg(chart)


def plan_against_done(items: list[dict[str, Any]], words: Vocabulary) -> str:
    """A project's content items: planned and done, as a share of each item's plan."""
    chart = _chart(
        pygal.HorizontalBar,
        words.gettext("Works done against plan (%)"),
        len(items),
        range=(0, 100),
        formatter=lambda v: f"{v:.1f}%",
    )
    chart.x_labels = [
        f"{i['item']}（{i.get('actual_quantity') or 0}/{i['planned_quantity']} {i['unit']}）"
        for i in items
    ]
    chart.add(
        words.label("figure_column", "done_rate"),
        [_done(i.get("actual_quantity"), i["planned_quantity"]) for i in items],
    )
    return svg(chart)


def _done(actual: Any, planned: Any) -> float:
    planned = Decimal(str(planned))
    return float(min(Decimal(str(actual or 0)) * 100 / planned, Decimal(100))) if planned else 0.0


def consent_against_thresholds(consent: dict[str, Any], words: Vocabulary) -> str:
    """A vote's Civil Code art. 278 checks: each share reached beside the share it needs (%)."""
    checks = consent["checks"]
    chart = _chart(
        pygal.HorizontalBar,
        words.gettext("Shares reached against the thresholds (%)"),
        2 * len(checks),
        range=(0, 100),
        formatter=lambda v: f"{v:.2f}%",
        show_legend=True,
    )
    chart.x_labels = [words.label("consent_check", c["name"]) for c in checks]
    chart.add(words.gettext("Reached"), [_share(c["actual"]) for c in checks])
    chart.add(words.gettext("Needed"), [_share(c["required"].split()[-1]) for c in checks])
    return svg(chart)


def _share(ratio: str) -> float:
    return float(Fraction(ratio) * 100)
