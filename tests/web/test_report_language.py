"""The demo district's PDFs and residents' pages speak one language and show nothing internal.

Every PDF of the demo (each project's report, the lift notice, a sheet of household codes) is
rendered in Chinese (the default, and ``?lang=zh``) and in English (``?lang=en``). Neither
shows an actor id (``user:demo``), a ruleset id (``national-2021``), a gate or any other
snake_case code, or the hex id of a round; the Chinese one has no English word at all but
the unit ``km`` and the ``SHA-256`` of its verification box. The residents' pages of the demo
show none of those ids either, and the project's history is worded from the events' fields.
"""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from flask import Flask

from renovation import accounts
from renovation.demo import load_demo
from renovation.domain.rulesets import all_rulesets
from renovation.vocabulary import vocabulary
from renovation.vocabulary.labels import LABELS
from renovation.web import runtime
from renovation.web.pages.views import MOVED_TO
from tests.helpers import PASSWORD, make_app

SNAKE_CASE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
HEX_ID = re.compile(r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{12}\b")
HOUSEHOLD_CODE = re.compile(r"[2-9A-Z]{5}-[2-9A-Z]{5}")
# A printed web address, squeezed: a project's voting page or a unit's lift page.
URL = re.compile(
    r"https?://[\w.:-]+/projects/[0-9a-f-]{36}(/vote|/lifts/[0-9A-Za-z]+-[0-9A-Za-z]+)?"
)
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# Latin a Chinese PDF may print: a unit the demo's items are measured in, and the digest's name.
LATIN_IN_CHINESE = {"km", "SHA"}
CHINESE_HEADINGS = ("项目概况", "改造内容", "阶段记录", "居民参与", "可核验信息", "表决情况")
ENGLISH_HEADINGS = ("Project facts", "Stage history", "Verification", "Residents' participation")


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """A PDF's text in the order it was written (two columns of slips stay apart)."""
    assert pdf.startswith(b"%PDF-"), pdf[:40]
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict[str, Any]:
    """The demo district on a fresh SQLite file, with a staff account to print code sheets."""
    tmp_path = tmp_path_factory.mktemp("demo")
    app = make_app(tmp_path)
    with app.app_context():
        rt = runtime()
        ids = load_demo(rt.app)["projects"]
        rt.catch_up()
        accounts.add_user(
            rt.engine, "clerk", PASSWORD, "staff", display_name="王科长", districts=["*"]
        )
        token = accounts.issue_token(rt.engine, "clerk")
        projects = {
            pid: {
                "lifts": list(rt.app.get_project(UUID(pid)).lifts),
                "rounds": list(rt.app.get_project(UUID(pid)).rounds),
            }
            for pid in ids
        }
    return {"app": app, "token": token, "projects": projects, "tmp_path": tmp_path}


def demo_pdfs(demo: dict[str, Any], lang: str | None) -> list[tuple[str, str, str]]:
    """(what, project id, text) of every demo PDF in ``lang`` (None: the default)."""
    app: Flask = demo["app"]
    client = app.test_client()
    query = f"?lang={lang}" if lang else ""
    pdfs = []
    for pid, project in demo["projects"].items():
        response = client.get(f"/api/projects/{pid}/report.pdf{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        pdfs.append(("report", pid, pdf_text(response.data, demo["tmp_path"])))
        for lift_id in project["lifts"]:
            response = client.get(f"/api/projects/{pid}/lifts/{lift_id}/notice.pdf{query}")
            assert response.status_code == 200, response.get_data(as_text=True)
            pdfs.append(("lift notice", pid, pdf_text(response.data, demo["tmp_path"])))
    pid = next(iter(demo["projects"]))
    response = client.post(
        f"/api/projects/{pid}/household-codes?format=pdf{'&lang=' + lang if lang else ''}",
        json={"building": "1"},
        headers={"Authorization": f"Bearer {demo['token']}"},
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    pdfs.append(("code sheet", pid, pdf_text(response.data, demo["tmp_path"])))
    assert {what for what, _, _ in pdfs} == {"report", "lift notice", "code sheet"}
    return pdfs


CHECKPOINT_ROOT = re.compile(r"[A-Za-z0-9+/]{43}=")


def without_verification(text: str, pid: str) -> str:
    """The text with whitespace squeezed out and without what verification needs: the web
    addresses printed (with the project's id), the project's id, its chain digest (in the
    verification box, and its first 16 characters in the footer), the audit log checkpoint's
    root hash (base64) and household codes."""
    flat = URL.sub(" ", re.sub(r"\s+", "", text))
    digest = re.search(r"[0-9a-f]{64}", flat)
    if digest:
        flat = flat.replace(digest[0], " ").replace(digest[0][:16], " ")
    flat = CHECKPOINT_ROOT.sub(" ", flat)
    return HOUSEHOLD_CODE.sub(" ", flat.replace(pid, " "))


def internal_ids(text: str, pid: str) -> list[str]:
    """Internal ids a reader must never see, found in a PDF's (or page's) text."""
    found = []
    squeezed = without_verification(text, pid)
    for marker in ("user:", *(r.id for r in all_rulesets())):
        if marker in squeezed:
            found.append(marker)
    found += [gate for gate in LABELS["gate"] if "_" in gate and gate in squeezed]
    found += SNAKE_CASE.findall(text)
    # hex ids, in the text as laid out (words apart); the project's own id and digest taken out
    spaced = text
    for part in [*re.findall(r"[0-9a-f]{64}", text), *pid.split("-")]:
        spaced = spaced.replace(part, " ")
    found += HEX_ID.findall(spaced)
    return found


@pytest.mark.parametrize("lang", [None, "zh"])
def test_demo_pdfs_in_chinese_show_no_internal_id_and_no_english(demo, lang):
    for what, pid, text in demo_pdfs(demo, lang):
        assert internal_ids(text, pid) == [], what
        latin = set(LATIN_WORD.findall(without_verification(text, pid)))
        assert latin <= LATIN_IN_CHINESE, (what, latin - LATIN_IN_CHINESE)
        if what == "report":
            for heading in CHINESE_HEADINGS[:5]:
                assert heading in text, (what, heading)
            assert "住建部门工作人员" in text  # the demo's steps are signed by the role


def test_demo_pdfs_in_english_are_english(demo):
    for what, pid, text in demo_pdfs(demo, "en"):
        assert internal_ids(text, pid) == [], what
        for heading in CHINESE_HEADINGS:
            assert heading not in text, (what, heading)
        assert re.search(r"Page 1 of \d+", text), what
        assert "第" not in re.sub(r"\s+", "", text) or what != "code sheet"
        if what == "report":
            for heading in ENGLISH_HEADINGS:
                assert heading in text, (what, heading)
            assert "Bureau staff" in text
        if what == "lift notice":
            assert "Counted under: National default rules (Civil Code art. 278)." in text


def visible_text(page: str) -> str:
    """A page's text as a reader sees it: no tags, attributes, scripts or styles."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_demo_residents_pages_show_no_internal_id(demo):
    client = demo["app"].test_client()
    for pid, project in demo["projects"].items():
        urls = [f"/projects/{pid}", f"/projects/{pid}/consultations", f"/projects/{pid}/lifts"]
        urls += [f"/projects/{pid}/consultations/{rid}" for rid in project["rounds"]]
        urls += [f"/projects/{pid}/lifts/{lift_id}" for lift_id in project["lifts"]]
        for url in urls:
            for lang in ("zh", "en"):
                response = client.get(f"{url}?lang={lang}")
                assert response.status_code == 200, url
                text = visible_text(response.get_data(as_text=True))
                assert internal_ids(text, pid) == [], (url, lang)


def test_the_history_is_worded_from_the_events_not_from_a_stored_sentence(demo):
    client = demo["app"].test_client()
    pid = next(iter(demo["projects"]))  # 凤凰新村 held a passing intent vote
    text = visible_text(client.get(f"/projects/{pid}").get_data(as_text=True))
    assert "居民在改造意愿征询中同意改造，小区已纳入改造计划。" in text
    assert "intent vote" not in text
    english = visible_text(client.get(f"/projects/{pid}?lang=en").get_data(as_text=True))
    assert "The residents agreed in the intent vote" in english


def test_a_sentence_an_old_event_stored_as_its_note_is_not_shown(tmp_path: Path):
    """Closing an intent vote once stored "intent vote <id>: passed" as the move's note; the
    moves an intent vote makes are worded from their stages and show no note. A note a person
    wrote on any other move is shown."""
    from renovation.web.pages.views import history

    app = make_app(tmp_path)
    at = "2026-05-01T01:00:00+00:00"
    row = {
        "registered_at": at,
        "stage_history": [
            {
                "from_stage": "registered",
                "to_stage": "needs_survey",
                "at": at,
                "note": "问需已完成，共收回问卷 80 份",
            },
            {"from_stage": "needs_survey", "to_stage": "intent_vote", "at": at, "note": ""},
            {
                "from_stage": "intent_vote",
                "to_stage": "in_plan",
                "at": at,
                "note": "intent vote 0a1b2c3d4e5f: passed",
            },
        ],
    }
    with app.test_request_context("/projects/x"):
        entries = history(row)
    notes = [entry["note"] for entry in entries]
    texts = [entry["text"] for entry in entries]
    assert "intent vote 0a1b2c3d4e5f: passed" not in notes
    assert "问需已完成，共收回问卷 80 份" in notes  # a note a person wrote is shown
    assert "居民在改造意愿征询中同意改造，小区已纳入改造计划。" in texts
    assert vocabulary("zh").gettext(MOVED_TO, stage="问需（需求调查）") in texts
