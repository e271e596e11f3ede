"""The project report as a real PDF: text, embedded CJK fonts, locked-down resources."""

from __future__ import annotations

import logging
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from renovation.paths import STATIC_DIR
from renovation.reports import (
    ReportResourceRefused,
    StaticOnlyURLFetcher,
    html_to_pdf,
    project_report_html,
    render_project_report,
)
from tests.helpers import pdf_text

DIGEST = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def project_context(**overrides: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "title": "老旧小区改造项目报告",
        "lang": "zh",
        "project": {
            "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
            "name": "凤凰新村",
            "district": "清江浦区",
            "street": "浦楼街道",
            "address": "淮安市清江浦区浦楼街道凤凰路 88 号",
            "year_built": 1995,
            "stage": "under_construction",
            "stage_label": "施工中",
            "version": 12,
            "city": "淮安市",
            "planned_start": "2026-03-01",
            "planned_finish": None,
            "buildings": 12,
            "units": 36,
            "flats": 540,
            "total_area": "40500.00",
            "registered_at": "2026-01-05 10:00",
        },
        "content_items": [
            item("upgrade", "提升类", "社区助餐点", "处", "2", "1"),
            item("basic", "基础类", "雨污分流改造", "m", "1200", "800"),
            item("improvement", "完善类", "加装电梯", "部", "12", "5"),
            item("basic", "基础类", "缆线入地", "km", "3.5", None),
        ],
        "budget": [
            {"source": "中央补助资金", "amount": "1,200,000.00"},
            {"source": "市县财政资金", "amount": "1,850,000.00"},
            {"source": "居民出资", "amount": "400,000.00"},
        ],
        "budget_total": "3,450,000.00",
        "stage_history": [
            {"stage_label": "问需", "at": "2026-02-01 09:00", "actor": "staff:zhang"},
            {"stage_label": "施工中", "at": "2026-03-01 08:00", "actor": "staff:li"},
        ],
        "position": 4711,
        "chain_digest": DIGEST,
        "as_of": None,
        "generated_at": "2026-11-26 09:30",
    }
    context.update(overrides)
    return context


def item(category, label, name, unit, planned, actual) -> dict[str, Any]:
    return {
        "category": category,
        "category_label": label,
        "item": name,
        "unit": unit,
        "planned_quantity": planned,
        "actual_quantity": actual,
    }


def write_pdf(tmp_path: Path, pdf: bytes, name: str = "report.pdf") -> Path:
    assert pdf.startswith(b"%PDF-")
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def run(*command: str | Path) -> str:
    return subprocess.run(
        [str(part) for part in command], check=True, capture_output=True, text=True
    ).stdout


def page_count(path: Path) -> int:
    return int(re.search(r"^Pages:\s+(\d+)", run("pdfinfo", path), re.MULTILINE)[1])


def test_report_prints_the_projects_facts_content_budget_and_verification(tmp_path):
    path = write_pdf(tmp_path, render_project_report(project_context()))
    text, pages = pdf_text(path, squeeze=True), page_count(path)

    expected = [
        ("凤凰新村", "淮安市", "清江浦区", "施工中"),
        # each content item with its quantities and completion, grouped by category
        ("基础类", "雨污分流改造", "1200", "800", "66.7%", "缆线入地", "3.5", "基础类小计：2项"),
        ("完善类", "加装电梯", "12", "5", "41.7%", "提升类", "社区助餐点", "2", "1", "50.0%"),
        # budget by source, and the total
        ("中央补助资金", "1,200,000.00", "市县财政资金", "1,850,000.00", "合计", "3,450,000.00"),
        # stage history
        ("阶段记录", "问需", "2026-02-0109:00", "staff:zhang", "staff:li"),
        # the verification box, and the footer on every page
        ("可核验信息", "4711", DIGEST),
        (f"事件位置4711·链摘要{DIGEST[:16]}第1页，共{pages}页",),
        (f"事件位置4711·链摘要{DIGEST[:16]}第{pages}页，共{pages}页",),
    ]
    for fragment in (fragment for group in expected for fragment in group):
        assert fragment in text, fragment
    assert text.count("合计3,450,000.00") == 1  # the total is not repeated on each page


def test_content_groups_follow_the_bureaus_order_with_a_dash_for_unknown_completion():
    html = project_report_html(project_context())

    assert html.index("基础类") < html.index("完善类") < html.index("提升类")
    # 缆线入地 has no actual quantity yet: its actual and completion cells show a dash
    row = html[html.index("缆线入地") :]
    row = row[: row.index("</tr>")]
    assert row.count("—") == 2


def test_report_names_the_past_date_it_was_rendered_as_of(tmp_path):
    context = project_context(as_of="2026-05-01 00:00")
    text = pdf_text(write_pdf(tmp_path, render_project_report(context)), squeeze=True)

    assert "本报告反映截至2026-05-0100:00的历史状态，并非当前状态。" in text
    assert "截至2026-05-0100:00的历史状态" in text.replace("本报告反映截至", "")


def test_english_report_uses_english_labels(tmp_path):
    text = pdf_text(
        write_pdf(tmp_path, render_project_report(project_context(lang="en"))), squeeze=True
    )

    for fragment in ("Contentoftherenovation", "Funding", "Verification", "Page1of", "凤凰新村"):
        assert fragment in text, fragment


def test_values_are_escaped_in_the_html_and_in_the_page_margins(tmp_path):
    title = 'Report "A" </style><script>alert(1)</script>'
    html = project_report_html(project_context(title=title))

    assert "<script>" not in html
    # The layout's one style element (the chart's inline SVG carries its own).
    assert re.sub(r"<svg\b.*?</svg>", "", html, flags=re.S).count("</style>") == 1
    text = pdf_text(write_pdf(tmp_path, html_to_pdf(html)), squeeze=True)
    assert text.count('Report"A"</style><script>alert(1)</script>') >= 2  # header and title


def test_cjk_font_is_embedded_as_a_subset(tmp_path):
    path = write_pdf(tmp_path, render_project_report(project_context()))
    cjk = [
        line.split()
        for line in run("pdffonts", path).splitlines()
        if re.search(r"Noto-?S(ans|erif)-?CJK", line)
    ]

    assert cjk, "no Noto Sans/Serif CJK font in the PDF"
    for columns in cjk:
        name, emb, sub = columns[0], columns[-5], columns[-4]
        assert (emb, sub) == ("yes", "yes"), columns
        assert re.match(r"[A-Z]{6}\+", name), name


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.com/x.css",
        "https://example.com/x.css",
        "data:text/css,body{color:red}",
        "ftp://example.com/x.css",
        "file://otherhost" + (STATIC_DIR / "reports" / "report.css").as_posix(),
        (STATIC_DIR / "reports").as_uri() + "/../../paths.py",
        (STATIC_DIR / "reports" / "missing.css").as_uri(),
        "reports/report.css",
    ],
)
def test_fetcher_refuses_everything_but_static_files(url):
    with pytest.raises(ReportResourceRefused, match="refused"):
        StaticOnlyURLFetcher().fetch(url)


def test_fetcher_serves_the_report_stylesheet():
    url = (STATIC_DIR / "reports" / "report.css").as_uri()

    response = StaticOnlyURLFetcher().fetch(url)

    assert response.content_type == "text/css"
    assert b"Noto Sans CJK SC" in response.read()


def test_refused_resources_are_logged_and_the_pdf_renders_without_them(tmp_path, caplog):
    html = (
        '<html><head><link rel="stylesheet" href="file:///etc/passwd">'
        '<link rel="stylesheet" href="http://example.com/x.css"></head>'
        '<body><p>凤凰新村</p><img src="https://example.com/logo.png"></body></html>'
    )

    with caplog.at_level(logging.WARNING, logger="renovation.reports"):
        pdf = html_to_pdf(html)

    assert "凤凰新村" in pdf_text(write_pdf(tmp_path, pdf), squeeze=True)
    refused = " ".join(r.getMessage() for r in caplog.records if "refused" in r.getMessage())
    for url in ("file:///etc/passwd", "http://example.com/x.css", "https://example.com/logo.png"):
        assert url in refused, url


def test_thousand_row_content_table_runs_over_many_pages_with_its_header_repeated(tmp_path):
    items = [
        item("basic", "基础类", f"楼道整治第{n}项", "m²", str(100 + n), str(n))
        for n in range(1, 1001)
    ]
    path = write_pdf(tmp_path, render_project_report(project_context(content_items=items)))

    pages = page_count(path)
    assert pages > 1
    text = pdf_text(path, squeeze=True)
    assert "楼道整治第1项" in text and "楼道整治第1000项" in text
    assert "基础类小计：1000项" in text
    # The table's header on every page it spans: all but the contents page and the last.
    assert text.count("完成率") >= pages - 2
    assert f"第{pages}页，共{pages}页" in text
