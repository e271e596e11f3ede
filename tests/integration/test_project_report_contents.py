"""The project report's table of contents, lift section and chart, in a real PDF read back with
``pdftotext`` and ``pdffonts``, on SQLite and PostgreSQL: the contents' page numbers are the
pages the headings are on; each lift retrofit with its consent figures as recorded, its stage
in Chinese and no internal id; the plan-against-done chart's words as text; as of a past date."""

from __future__ import annotations

import re
import subprocess
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from renovation.demo import load_demo
from renovation.domain.project import Actor
from renovation.projections.lifts import fold_lifts
from renovation.projections.queries import dump_read_model, list_summaries
from renovation.projections.store import get_lifts
from renovation.reports.contexts import local_time, project_report_pdf
from renovation.reports.rendering import report_words
from renovation.web import runtime as web_runtime
from tests.conftest import STAFF, project_payload, registration
from tests.helpers import make_app, pdf_fonts
from tests.integration.test_lifts import six_storey_unit

PAPER = Actor(STAFF.id, STAFF.role, "paper")
START = datetime(2026, 9, 1, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ENGLISH_STAGES = ("willingness_poll", "consent_passed", "agreement_signed", "design")
ZH = report_words("zh")
# Unit 3-1 (six floors) passes 9 of 11 owners, agrees on its own table; unit 1-1 fails.
VOTES_3_1 = {
    **{f"3-1-{floor}0{door}": "agree" for floor in range(1, 7) for door in (1, 2)},
    "3-1-202": "disagree",
    "3-1-302": "abstain",
}
VOTES_1_1 = {"1-1-101": "disagree", "1-1-102": "disagree", "1-1-201": "agree"}
# Unit 3-1's agreement: floors 1 and 2 pay nothing, its own coefficients above.
AGREED = {
    "manager": "3幢1单元加装电梯业主小组",
    "budget": Decimal("600000.00"),
    "cost_sharing": "按楼层系数与面积分摊",
    "maintenance_sharing": "二层以上按户均摊",
    "floor_coefficients": {
        3: Decimal("0.6"),
        4: Decimal("1.0"),
        5: Decimal("1.2"),
        6: Decimal("1.4"),
    },
    "exempt_floors": [1, 2],
}


def pages(pdf: Path) -> list[str]:
    """Each page's text (``pdftotext -f N -l N``), first page first."""
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True)
    count = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))
    return [
        subprocess.run(
            ["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        for n in range(1, count + 1)
    ]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def contents(first_page: str) -> dict[str, int]:
    """The table of contents: heading → page number, as printed after the leader."""
    entries = {}
    for line in first_page.splitlines():
        found = re.match(r"^\s*(\S.*?)[\s.]*?\.{2,}[\s.]*(\d+)\s*$", line)
        if found:
            entries[squeeze(found.group(1))] = int(found.group(2))
    return entries


def section(pages_text: list[str], heading: str, next_heading: str) -> str:
    """The squeezed text from ``heading`` to ``next_heading``, past the contents page."""
    text = squeeze("".join(pages_text[1:]))
    return text[text.index(heading) : text.index(next_heading, text.index(heading))]


@pytest.fixture
def clocked(runtime):
    """The application with a clock the test moves, starting on 1 September 2026."""
    now = [START]
    runtime.app.clock = lambda: now[0]
    return runtime, now


def with_lifts(runtime, now) -> tuple:
    """A project with two lift retrofits: 3-1 agreed on its own table, 1-1 failed its poll."""
    app = runtime.app
    pid = app.register_project(six_storey_unit(), actor=STAFF).project_id
    lifts = {}
    for building, unit in (("3", "1"), ("1", "1")):
        lifts[building] = app.propose_lift(
            pid,
            {
                "building": building,
                "unit": unit,
                "veto_flats": [],
                "poll_opens_at": START + timedelta(days=1),
                "poll_closes_at": START + timedelta(days=11),
            },
            actor=STAFF,
        ).value["lift_id"]
    now[0] = START + timedelta(days=2)
    for building, votes in (("3", VOTES_3_1), ("1", VOTES_1_1)):
        for flat_id, choice in votes.items():
            app.cast_lift_vote(pid, lifts[building], flat_id=flat_id, choice=choice, actor=PAPER)
    now[0] = START + timedelta(days=12)
    for lift_id in lifts.values():
        app.close_lift_poll(pid, lift_id, actor=STAFF)
    # Events carry the instant they were recorded: a report as of this one shows the polls
    # closed and no agreement yet.
    time.sleep(0.01)
    closed = datetime.now(UTC)
    time.sleep(0.01)
    now[0] = START + timedelta(days=20)
    signed = date(2026, 9, 21)
    app.transition_lift(pid, lifts["3"], "agreement_signed", on=signed, actor=STAFF, details=AGREED)
    runtime.catch_up()
    return pid, lifts, closed


def render(runtime, pid, tmp_path: Path, name: str, **kwargs) -> tuple[bytes, list[str]]:
    pdf = project_report_pdf(runtime, pid, **kwargs)
    path = tmp_path / name
    path.write_bytes(pdf)
    return pdf, pages(path)


def test_the_contents_list_each_section_at_the_page_its_heading_is_on(clocked, tmp_path):
    runtime, now = clocked
    pid, _, _ = with_lifts(runtime, now)
    _, text = render(runtime, pid, tmp_path, "report.pdf")
    assert ZH.gettext("Contents") in text[0]
    toc = contents(text[0])
    expected = [
        ZH.gettext(m)
        for m in (
            "Project facts",
            "Content of the renovation",
            "Funding",
            "Stage history",
            "Lift retrofits",
            "Verification",
        )
    ]
    assert [h for h in toc if h in expected] == expected, toc
    assert len(text) > 2
    for heading, page in toc.items():
        assert 2 <= page <= len(text), (heading, page)
        assert heading in squeeze(text[page - 1]), (heading, page)
    # The contents come in the order of the pages.
    assert list(toc.values()) == sorted(toc.values())


def test_the_lift_section_prints_each_retrofit_with_its_consent_and_coefficients(clocked, tmp_path):
    runtime, now = clocked
    pid, lifts, _ = with_lifts(runtime, now)
    pdf, text = render(runtime, pid, tmp_path, "report.pdf")
    lifts_part = section(
        text, ZH.gettext("Lift retrofits") + "1幢1单元", ZH.gettext("Verification")
    )
    # Building by building: 1-1 before 3-1, each under its Chinese name.
    assert lifts_part.index("1幢1单元") < lifts_part.index("3幢1单元")
    stored = runtime.app.get_project(pid).lifts
    for lift_id in lifts.values():
        for check in stored[lift_id]["result"]["checks"]:
            assert ZH.label("consent_check", check["name"]) in lifts_part
            assert squeeze(check["rendered"]) in lifts_part
            assert squeeze(check["required"]) in lifts_part
    assert "结论：表决通过" in lifts_part and "结论：表决未通过" in lifts_part
    for stage in ("consent_passed", "agreement_signed", "willingness_poll"):
        assert ZH.label("lift_stage", stage) in lifts_part, stage
    # The unit's own table, floors 1 and 2 paying nothing, said to depart from the reference.
    assert "不分摊" in lifts_part and "1.4" in lifts_part
    assert "参考系数表不同" in lifts_part
    assert "600,000.00" in lifts_part and "3幢1单元加装电梯业主小组" in lifts_part
    assert "2026年9月21日" in lifts_part and "2026年9月2日至2026年9月12日" in lifts_part
    # No internal id or code: no UUID, no lift id, no English stage, no ruleset id.
    assert not UUID_TEXT.search(lifts_part)
    assert not any(code in lifts_part for code in ENGLISH_STAGES)
    assert "national-2021" not in lifts_part and "3-1-" not in lifts_part
    # The plan-against-done chart's own words, as text; every font embedded (CJK included).
    words = squeeze("".join(text))
    assert squeeze(ZH.gettext("Works done against plan (%)")) in words
    assert ZH.label("figure_column", "done_rate") in words
    fonts = [line.split() for line in pdf_fonts(pdf, tmp_path).splitlines()[2:]]
    assert fonts and all(columns[-5] == "yes" for columns in fonts)
    assert any("CJK" in columns[0] for columns in fonts)
    # Besides the CJK fonts, only the monospace one of the position and digests.
    others = {columns[0].split("+")[-1] for columns in fonts if "CJK" not in columns[0]}
    assert others <= {"DejaVu-Sans-Mono"}, others


def test_the_report_as_of_a_past_date_shows_the_lifts_as_they_stood(clocked, tmp_path):
    runtime, now = clocked
    pid, _, closed = with_lifts(runtime, now)
    _, text = render(runtime, pid, tmp_path, "past.pdf", as_of=closed)
    words = squeeze("".join(text))
    shown = local_time(closed)
    banner = ZH.gettext("This report shows the state as of %(as_of)s, not the current state.")
    assert squeeze(banner % {"as_of": shown}) in words
    # Every page's header says so too.
    header = squeeze(ZH.gettext("State as of %(as_of)s") % {"as_of": shown})
    assert all(header in squeeze(page) for page in text)
    lifts_part = section(
        text, ZH.gettext("Lift retrofits") + "1幢1单元", ZH.gettext("Verification")
    )
    # Before the agreement: 3-1 had passed its poll, no coefficients agreed yet.
    assert ZH.label("lift_stage", "consent_passed") in lifts_part
    assert ZH.gettext("No agreement signed yet.") in lifts_part
    assert "阶段" + ZH.label("lift_stage", "consent_passed") in lifts_part
    assert "2026年9月21日" not in lifts_part and "不分摊" not in lifts_part
    assert ZH.gettext("Lift retrofits") in contents(text[0])


def test_a_project_without_lifts_says_so(runtime, tmp_path):
    pid = runtime.app.register_project(registration(project_payload()), actor=STAFF).project_id
    runtime.catch_up()
    _, text = render(runtime, pid, tmp_path, "none.pdf")
    words = squeeze("".join(text[1:]))
    assert ZH.gettext("Lift retrofits") + ZH.gettext("This project has no lift retrofit.") in words
    assert get_lifts(runtime.engine, str(pid)) is None


def test_the_lifts_read_model_equals_its_fold_replayed(clocked):
    runtime, now = clocked
    pid, _, _ = with_lifts(runtime, now)
    replayed = None
    for stored in runtime.app.recorder.select_events(pid):
        event = runtime.app.mapper.to_domain_event(stored)
        if type(event).__name__.startswith("Lift"):
            replayed = fold_lifts(replayed, event)
    assert get_lifts(runtime.engine, str(pid)) == replayed
    assert dump_read_model(runtime.engine)["project_lifts"]


def test_the_demo_project_report_from_the_api_prints_its_lift(tmp_path, database_url):
    """GET /api/projects/<id>/report.pdf: the demo's lift on public notice, in Chinese."""
    app = make_app(tmp_path, DATABASE_URL=database_url)
    try:
        with app.app_context():
            load_demo(web_runtime().app)
            web_runtime().catch_up()
            (row,), _ = list_summaries(web_runtime().engine, q="凤凰新村")
        response = app.test_client().get(f"/api/projects/{row['id']}/report.pdf")
    finally:
        app.extensions["renovation"].close()
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    path = tmp_path / "demo.pdf"
    path.write_bytes(response.data)
    text = pages(path)
    lifts_part = section(
        text, ZH.gettext("Lift retrofits") + "2幢1单元", ZH.gettext("Verification")
    )
    assert ZH.label("lift_stage", "public_notice") in lifts_part
    assert "结论：表决通过" in lifts_part and "580,000.00" in lifts_part
    # The reference table applies (no coefficients of the unit's own), and says so.
    assert "参考系数表相同" in lifts_part
    assert not UUID_TEXT.search(lifts_part) and "2-1-101" not in lifts_part
    assert ZH.gettext("Lift retrofits") in contents(text[0])
