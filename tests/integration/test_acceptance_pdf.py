"""The completion acceptance record (竣工验收记录) as a real PDF, and its section in the project
report: units with their credit codes, the meeting, rectification items at every step with
their co-approvers and history, the filing, supervisors by role only, as of a past time too."""

from __future__ import annotations

import base64
import io
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from events.project import StageChanged
from renovation.domain.base import provenance
from renovation.projections.acceptance_replay import acceptance_at
from renovation.projections.queries import get_summary
from renovation.projections.store import get_acceptance
from renovation.reports.acceptance import (
    acceptance_record_html,
    acceptance_record_pdf,
    image_type,
)
from renovation.reports.contexts import project_report_pdf
from renovation.reports.rendering import ReportResourceRefused, StaticOnlyURLFetcher, html_to_pdf
from renovation.runtime import Runtime
from tests.conftest import STAFF, registration, walk
from tests.helpers import cjk_fonts_embedded, credit_code, pdf_text, record_acceptance
from tests.web.test_chinese_scan import ENGLISH, INTERNAL, findings

SUPERVISOR_NAME = "王秀英"
PHOTO_SHOWN = "1" * 64  # the test's thumbnail reader has this one
PHOTO_MISSING = "2" * 64  # and not this one: its short hash is printed
PHOTO_NOTE = "3" * 64
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def png(colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "PNG")
    return out.getvalue()


def thumbnails(sha256: str) -> bytes | None:
    return {PHOTO_SHOWN: png(), PHOTO_NOTE: b"not an image"}.get(sha256)


def defect(what: str, due_on, supervisors=(), building="1", unit="1") -> dict:
    return {
        "what": what,
        "building": building,
        "unit": unit,
        "responsible": "construction",
        "due_on": due_on,
        "supervisors": list(supervisors),
    }


def through_meeting(app, defects_of) -> tuple:
    """A project at 竣工验收 with a supervisor, the units, a notice and a meeting today."""
    pid = app.register_project(registration(), actor=STAFF).project_id
    walk(app, pid, "acceptance_inspection")
    supervisor = app.appoint_supervisor(
        pid, {"role_label": "2幢居民监督员", "name": SUPERVISOR_NAME}, actor=STAFF
    ).value["supervisor_id"]
    items = record_acceptance(
        app,
        pid,
        actor=STAFF,
        conclusion="passed_with_rectification",
        defects=defects_of(app.today(), supervisor),
    )
    return pid, supervisor, items


def accepted_project(runtime) -> tuple:
    """An item reopened by the supervisor and then signed off by both; accepted, not filed."""
    app = runtime.app
    pid, supervisor, (item,) = through_meeting(
        app, lambda today, sup: [defect("屋面防水层起鼓渗水", today + timedelta(days=10), [sup])]
    )
    app.transition_project(pid, "rectification", actor=STAFF)
    app.rectification_step(pid, item, "work_required", {"note": "书面通知施工单位"}, actor=STAFF)
    app.rectification_step(
        pid, item, "ready", {"note": "已重做防水层", "photos": [PHOTO_MISSING]}, actor=STAFF
    )
    app.rectification_step(
        pid, item, "reopen", {"reason": "闭水试验仍见渗水点"}, actor=STAFF, approver=supervisor
    )
    app.rectification_step(pid, item, "ready", {"note": "返工完成"}, actor=STAFF)
    for approver in ("supervision_unit", supervisor):
        app.rectification_step(pid, item, "approve", {}, actor=STAFF, approver=approver)
    app.attach_photos(
        pid,
        {
            "subject": "rectification_item",
            "subject_id": item,
            "photos": [PHOTO_SHOWN],
            "caption": "返工后屋面",
        },
        actor=STAFF,
    )
    app.record_inspection_note(
        pid,
        {"text": "复查屋面无渗水", "item_id": item, "photos": [PHOTO_NOTE]},
        actor=STAFF,
        supervisor_id=supervisor,
    )
    app.transition_project(pid, "acceptance_inspection", actor=STAFF)
    app.transition_project(pid, "accepted", actor=STAFF)
    runtime.catch_up()
    return pid, supervisor


def rectifying_project(runtime) -> str:
    """Items recorded, needing work and ready for review; one of each due today."""
    app = runtime.app
    pid, _, (first, second, third) = through_meeting(
        app,
        lambda today, sup: [
            defect("单元门禁对讲不通", today, building="2", unit="1"),
            defect("无障碍坡道坡度超标", today + timedelta(days=30), building="1", unit=""),
            defect("小区道路积水", today, building="", unit=""),
        ],
    )
    app.transition_project(pid, "rectification", actor=STAFF)
    app.rectification_step(pid, second, "work_required", {"note": "限期十日"}, actor=STAFF)
    app.rectification_step(pid, third, "work_required", {}, actor=STAFF)
    app.rectification_step(pid, third, "ready", {"note": "已疏通雨水口"}, actor=STAFF)
    del first
    runtime.catch_up()
    return str(pid)


def accepted_before_records(runtime) -> str:
    """A project moved to 已验收 the way it was before acceptance was recorded: the stage
    change alone, written without the gate that now asks for a record."""
    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    walk(app, pid, "acceptance_inspection")
    project = app.get_project(pid)
    project.trigger_event(
        StageChanged,
        from_stage=project.stage,
        to_stage="accepted",
        note="",
        **provenance(STAFF, None, None),
    )
    app.save(project)
    runtime.catch_up()
    return str(pid)


def later(app, days: int):
    """Move the application's clock ``days`` ahead (the report's day follows it)."""
    real = app.clock
    app.clock = lambda: real() + timedelta(days=days)


def text_of(pdf: bytes, tmp_path: Path) -> str:
    return pdf_text(pdf, tmp_path)


def assert_no_internal_ids(text: str, project_id: str) -> None:
    """Only the project number, in the verification box, is an id; nothing else leaks."""
    assert set(UUID.findall(text)) == {project_id}
    assert re.search(rf"项目编号\s+{project_id}", text)
    assert findings({"record": text}, INTERNAL) == []
    assert findings({"record": text}, [ENGLISH]) == []
    for code in ("supervision_unit", "supervisor-", "notice-", "meeting-", "user:", "staff"):
        assert code not in text, code


# ---- the record -------------------------------------------------------------------------


def test_the_record_of_an_accepted_project_names_units_items_history_and_filing(runtime, tmp_path):
    pid, _ = accepted_project(runtime)
    app = runtime.app
    later(app, 20)  # the 15-day filing period has ended

    pdf = acceptance_record_pdf(runtime, pid, thumbnail=thumbnails)

    text = text_of(pdf, tmp_path)
    flat = re.sub(r"\s+", "", text)
    assert "竣工验收记录" in text and "凤凰新村" in text
    # The units by role label and credit code.
    for n, role in enumerate(["建设单位", "勘察单位", "设计单位", "施工单位", "监理单位"], 1):
        assert role in text and credit_code(n) in text
    assert "质量监督机构" in text and credit_code(6) in text
    # The notice and the meeting: units present, representatives by role, the conclusion.
    assert "告知质量监督机构" in text and "建设单位项目负责人、监理单位总监" in text
    assert "业主代表" in text and "整改后合格" in flat
    # The item: closed, both co-approvers signed, the history with the reopening's reason.
    assert "屋面防水层起鼓渗水" in text and "已销项" in text and "1幢1单元" in text
    assert "监理单位（已签认）" in flat and "2幢居民监督员（已签认）" in flat
    assert "2幢居民监督员退回重新整改" in flat and "闭水试验仍见渗水点" in flat
    assert "监理单位签认通过" in flat and "（工作人员据纸质签认代为录入）" in flat
    assert "待整改：书面通知施工单位" in flat and "待复查：已重做防水层" in flat
    # Photos: a thumbnail, and short hashes where there is none (or not an image).
    assert "返工后屋面" in text and f"照片{PHOTO_MISSING[:8]}" in flat
    assert f"照片{PHOTO_NOTE[:8]}" in flat
    # The supervisor by role label only; the inspection note entered on their behalf.
    assert SUPERVISOR_NAME not in flat
    assert "复查屋面无渗水" in text and "关于整改项1" in flat
    assert "（工作人员据纸质记录代为录入）" in flat
    # Accepted, the period over, not filed.
    assert "未备案，备案期限已过" in flat and "（验收通过后15日内）" in flat
    assert "尚未移交。" in text
    assert_no_internal_ids(text, str(pid))
    assert cjk_fonts_embedded(pdf, tmp_path)
    summary = get_summary(runtime.engine, str(pid))
    assert f"事件位置 {summary['position']}" in text
    assert summary["chain_digest"] in flat


def test_filing_and_hand_over_are_printed_and_a_late_filing_says_so(runtime, tmp_path):
    pid, _ = accepted_project(runtime)
    app = runtime.app
    later(app, 20)
    app.file_acceptance(pid, {"filing_number": "淮建竣备〔2026〕0118号"}, actor=STAFF)
    app.record_handover(
        pid,
        {
            "manager_kind": "property_company",
            "manager_name": "淮安市安居物业服务有限公司",
            "rules_adopted": "业主大会通过的管理规约",
            "maintenance_fund": "按每平方米30元归集",
        },
        actor=STAFF,
    )

    flat = pdf_text(acceptance_record_pdf(runtime, pid), tmp_path, squeeze=True)

    assert "淮建竣备〔2026〕0118号" in flat and "已备案，但超过备案期限" in flat
    assert "物业服务企业" in flat and "淮安市安居物业服务有限公司" in flat
    assert "按每平方米30元归集" in flat and "尚未移交" not in flat


def test_items_at_every_step_show_their_status_and_overdue_ones_are_flagged(runtime, tmp_path):
    pid = rectifying_project(runtime)
    later(runtime.app, 3)

    text = pdf_text(acceptance_record_pdf(runtime, pid), tmp_path)
    flat = re.sub(r"\s+", "", text)

    assert "已登记" in text and "待整改" in text and "待复查" in text
    assert flat.count("已逾期3天") == 2  # the two due on the meeting's day, not the third
    assert "2幢1单元" in flat and "1幢" in flat and "小区公共部位" in flat
    assert "监理单位（待签认）" in flat
    assert "验收通过后备案" in flat  # filing comes after acceptance
    assert_no_internal_ids(text, pid)


def test_the_record_as_of_a_past_time_shows_the_items_as_they_stood(runtime, tmp_path):
    app = runtime.app
    pid, supervisor, (item,) = through_meeting(
        app, lambda today, sup: [defect("外墙空鼓", today + timedelta(days=5), [sup])]
    )
    runtime.catch_up()
    then = datetime.now(UTC)
    position_then = get_summary(runtime.engine, str(pid))["position"]
    app.rectification_step(pid, item, "ready", {"note": "已修补"}, actor=STAFF)
    for approver in ("supervision_unit", supervisor):
        app.rectification_step(pid, item, "approve", {}, actor=STAFF, approver=approver)
    runtime.catch_up()

    now = pdf_text(acceptance_record_pdf(runtime, pid), tmp_path, squeeze=True)
    past = pdf_text(acceptance_record_pdf(runtime, pid, as_of=then), tmp_path)

    assert "已销项" in now
    assert "已销项" not in past and "已登记" in past and "历史状态时点" in past
    assert f"事件位置 {position_then}" in past
    assert "监理单位签认通过" not in re.sub(r"\s+", "", past)


def test_a_summary_read_before_a_later_step_gets_the_acceptance_row_of_its_version(runtime):
    app = runtime.app
    pid, _, (item,) = through_meeting(
        app, lambda today, sup: [defect("外墙空鼓", today + timedelta(days=5))]
    )
    runtime.catch_up()
    before = get_summary(runtime.engine, str(pid))
    app.rectification_step(pid, item, "work_required", {}, actor=STAFF)
    runtime.catch_up()

    stale = acceptance_at(app, runtime.engine, pid, summary=before)
    fresh = acceptance_at(app, runtime.engine, pid)

    assert stale["items"][item]["status"] == "opened" and stale["version"] <= before["version"]
    assert fresh["items"][item]["status"] == "work_required"
    assert fresh == get_acceptance(runtime.engine, str(pid))


def test_english_record_uses_english_labels(runtime, tmp_path):
    pid = rectifying_project(runtime)

    text = pdf_text(acceptance_record_pdf(runtime, pid, lang="en"), tmp_path)

    assert "Completion acceptance record" in text and "Unified social credit code" in text
    assert "Construction unit" in text and "Passed, subject to rectification" in text
    assert "Building 1" in text and "Ready for review" in text


def test_a_project_accepted_before_records_were_kept_gets_a_record_saying_so(runtime, tmp_path):
    pid = accepted_before_records(runtime)

    pdf = acceptance_record_pdf(runtime, pid)
    text = pdf_text(pdf, tmp_path)
    flat = re.sub(r"\s+", "", text)

    assert "本项目没有竣工验收记录。" in flat
    assert "转入“已验收”" in flat and "之前即已验收" in flat
    for heading in ("一、参建单位", "四、整改项", "五、竣工验收备案"):
        assert heading not in flat
    assert_no_internal_ids(text, pid)
    assert cjk_fonts_embedded(pdf, tmp_path)


def test_unknown_projects_are_refused(runtime):
    import uuid

    from renovation.application.errors import ProjectNotFoundError

    with pytest.raises(ProjectNotFoundError):
        acceptance_record_pdf(runtime, uuid.uuid4())


# ---- photos -----------------------------------------------------------------------------


def test_thumbnails_are_embedded_only_when_they_are_images(runtime, tmp_path):
    pid, _ = accepted_project(runtime)
    summary = get_summary(runtime.engine, str(pid))
    from renovation.reports.acceptance import acceptance_view

    view = acceptance_view(runtime, pid, summary, as_of=None, today=runtime.app.today())

    html, images = acceptance_record_html(
        summary, view, thumbnail=thumbnails, today=runtime.app.today()
    )

    assert len(images) == 1
    (uri, (media_type, data)) = next(iter(images.items()))
    assert uri.startswith("data:image/png;base64,") and media_type == "image/png"
    assert data == png() and html.count("<img ") == 1
    pdf = acceptance_record_pdf(runtime, pid, thumbnail=thumbnails)
    assert image_count(pdf, tmp_path) == 1
    assert image_count(acceptance_record_pdf(runtime, pid), tmp_path) == 0


def image_count(pdf: bytes, tmp_path: Path) -> int:
    (tmp_path / "images.pdf").write_bytes(pdf)
    listing = subprocess.run(
        ["pdfimages", "-list", str(tmp_path / "images.pdf")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return len(listing.splitlines()[2:])


def test_only_the_images_a_report_embedded_are_fetched(tmp_path):
    uri = "data:image/png;base64," + base64.b64encode(png()).decode("ascii")
    other = "data:image/png;base64," + base64.b64encode(png("blue")).decode("ascii")
    fetcher = StaticOnlyURLFetcher(inline={uri: ("image/png", png())})

    assert fetcher.fetch(uri).read() == png()
    with pytest.raises(ReportResourceRefused, match="refused"):
        fetcher.fetch(other)
    html = f'<html><body><p>凤凰新村</p><img src="{uri}"><img src="{other}"></body></html>'
    assert image_count(html_to_pdf(html, images={uri: ("image/png", png())}), tmp_path) == 1
    assert image_count(html_to_pdf(html), tmp_path) == 0


def test_image_types_are_recognised_from_their_first_bytes():
    assert image_type(png()) == "image/png"
    jpeg = io.BytesIO()
    Image.new("RGB", (8, 8)).save(jpeg, "JPEG")
    assert image_type(jpeg.getvalue()) == "image/jpeg"
    assert image_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert image_type(b"<svg xmlns='http://www.w3.org/2000/svg'/>") is None


# ---- the project report's section -------------------------------------------------------


def test_the_project_report_has_an_acceptance_section(runtime, tmp_path):
    pid = rectifying_project(runtime)
    later(runtime.app, 3)

    flat = pdf_text(project_report_pdf(runtime, pid), tmp_path, squeeze=True)

    assert "验收会议" in flat and "整改后合格" in flat
    assert "单元门禁对讲不通" in flat and "待复查" in flat and "已逾期3天" in flat
    assert "备案情况" in flat and "验收通过后备案" in flat


def test_the_project_report_of_a_legacy_acceptance_says_there_is_no_record(runtime, tmp_path):
    pid = accepted_before_records(runtime)
    flat = pdf_text(project_report_pdf(runtime, pid), tmp_path, squeeze=True)
    assert "本项目没有竣工验收记录。" in flat


def test_a_project_before_acceptance_has_no_acceptance_section(runtime, tmp_path):
    pid = runtime.app.register_project(registration(), actor=STAFF).project_id
    runtime.catch_up()
    flat = pdf_text(project_report_pdf(runtime, pid), tmp_path, squeeze=True)
    assert "验收会议" not in flat and "竣工验收记录" not in flat


# ---- the command line -------------------------------------------------------------------


def test_the_command_writes_the_record(tmp_path):
    database_url = f"sqlite:///{tmp_path}/cli.sqlite"
    rt = Runtime(database_url)
    rt.create_tables()
    pid = rectifying_project(rt)
    rt.close()
    env = {**os.environ, "DATABASE_URL": database_url, "RENOVATION_INSTANCE": str(tmp_path / "i")}
    command = str(Path(sys.executable).with_name("renovation"))
    out = tmp_path / "record.pdf"

    done = subprocess.run(
        [command, "report", "acceptance", pid, "-o", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert done.returncode == 0, done.stderr
    assert "单元门禁对讲不通" in pdf_text(out)
    missing = subprocess.run(
        [command, "report", "acceptance", "00000000-0000-0000-0000-000000000000", "-o", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert missing.returncode != 0 and "no project" in missing.stderr
    bad = subprocess.run(
        [command, "report", "acceptance", pid, "-o", str(out), "--as-of", "later"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert bad.returncode != 0 and "--as-of" in bad.stderr
