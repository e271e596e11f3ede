"""The auditors' console for one project, on SQLite and PostgreSQL: the history in Chinese with
personal data masked, its filters and pages, the chain check panel, who may see it, the state
as of a version or a date, two dates compared, and the audit report PDF."""

from __future__ import annotations

import re
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest
from sqlalchemy import select, update

from events.project import ProjectEvent
from renovation.domain.base import LOCAL_TZ
from renovation.projections.store import event_log, opinions
from renovation.web import runtime
from renovation.web.pages.audit_history import compared
from tests.conftest import STAFF, project_payload, registration, walk
from tests.helpers import make_app, pdf_text, register_project, signed_in
from tests.web.test_chinese_scan import ENGLISH, INTERNAL, PROOF, _Reader

PHONE = "13912345678"
OPINION_TEXT = "三楼张阿姨家门口的路灯坏了"
PROGRESS_EVENTS = 60


def visible(response) -> str:
    reader = _Reader()
    reader.feed(response.get_data(as_text=True))
    return "\n".join(reader.text)


def problems_in(text: str) -> list[str]:
    text = PROOF.sub(r"\1", text)
    return [m.group(0) for p in [ENGLISH, *INTERNAL] for m in p.finditer(text)]


@pytest.fixture
def console(database_url, tmp_path, monkeypatch):
    """An app with a project in 清江浦区 (registered, an opinion with a phone number, moved to
    construction through an intent vote, 60 progress records two days later) and one in
    天宁区."""
    app = make_app(tmp_path, DATABASE_URL=database_url)
    project_id = register_project(app, registration())
    other = register_project(app, registration(project_payload(name="红梅新村", district="天宁区")))
    client = app.test_client()
    sent = client.post(
        f"/api/projects/{project_id}/opinions",
        json={"category": "construction", "text": OPINION_TEXT, "contact": PHONE},
    )
    assert sent.status_code == 201, sent.get_json()
    with app.app_context():
        rt = runtime()
        pid = UUID(project_id)
        walk(rt.app, pid, "under_construction")
        # Two days on: the application's clock, and the time the event store records.
        real = rt.app.clock
        rt.app.clock = lambda: real() + timedelta(days=2)
        monkeypatch.setattr(ProjectEvent, "create_timestamp", staticmethod(lambda: rt.app.clock()))
        for n in range(1, PROGRESS_EVENTS + 1):
            rt.app.record_progress(pid, "item-1", Decimal(n), actor=STAFF)
        rt.catch_up()
        tracking = rt.app.get_project(pid)
    app.project_id, app.other_id = project_id, other
    app.today = datetime.now(UTC).astimezone(LOCAL_TZ).date()
    app.later = app.today + timedelta(days=2)
    app.latest_version = tracking.version
    yield app
    app.extensions["renovation"].close()


@pytest.fixture
def auditor(console):
    return signed_in(console, "auditor", username="shen")


def test_the_history_is_chinese_masked_and_names_no_internal_identifier(console, auditor):
    answer = auditor.get(f"/audit/projects/{console.project_id}")
    assert answer.status_code == 200
    text = visible(answer)
    assert "凤凰新村 的历史记录" in text
    assert "项目由“已登记”进入“问需（需求调查）”。" in text
    assert "收到意见" in text and "链完整" in text
    assert problems_in(text) == []
    for secret in (PHONE, OPINION_TEXT, "O-101", "StageChanged", console.project_id):
        assert secret not in text
    body = answer.get_data(as_text=True)
    assert PHONE not in body and OPINION_TEXT not in body


def test_pages_of_the_history_and_the_filters(console, auditor):
    path = f"/audit/projects/{console.project_id}"
    first = visible(auditor.get(path))
    assert f"找到 {console.latest_version} 条事件" in first
    assert "第 1 页，共 2 页" in first or "1 / 2" in first or "共 2 页" in first
    second = visible(auditor.get(f"{path}?page=2"))
    assert "已完成 60 m" in second and "已完成 60 m" not in first

    stages = visible(auditor.get(f"{path}?kind=StageChanged")).split("发生了什么")[1]
    assert "项目由“方案批复”进入“施工中”。" in stages and "已完成" not in stages

    residents = visible(auditor.get(f"{path}?role=resident"))
    assert "找到 1 条事件" in residents and "收到意见：" in residents

    today, later = console.today.isoformat(), console.later.isoformat()
    before = visible(auditor.get(f"{path}?from={today}&to={today}"))
    assert f"找到 {console.latest_version - PROGRESS_EVENTS} 条事件" in before
    after = visible(auditor.get(f"{path}?from={later}"))
    assert f"找到 {PROGRESS_EVENTS} 条事件" in after


@pytest.mark.parametrize(
    ("query", "field_text"),
    [
        ("from=2026-13-40", "应为日期"),
        ("to=yesterday", "应为日期"),
        ("from=0001-01-01", "1900"),
        ("to=9999-12-31", "2199"),
        ("version=0", "须为 1 至"),
        ("version=99999999999999999999", "须为 1 至"),
    ],
)
def test_bad_filters_are_said_not_failed(console, auditor, query, field_text):
    answer = auditor.get(f"/audit/projects/{console.project_id}?{query}")
    assert answer.status_code == 400
    assert field_text in visible(answer)


def test_a_date_range_the_wrong_way_round_is_refused(console, auditor):
    query = f"from={console.later}&to={console.today}"
    answer = auditor.get(f"/audit/projects/{console.project_id}?{query}")
    assert answer.status_code == 400 and "不得早于起始日期" in visible(answer)


def test_the_state_as_of_a_version(console, auditor):
    answer = auditor.get(f"/audit/projects/{console.project_id}?version=1")
    text = visible(answer)
    assert answer.status_code == 200
    assert "历史状态：版本 1" in text and "“已登记”" in text
    assert problems_in(text) == []
    assert "找到 1 条事件" in text


@pytest.mark.parametrize(
    ("role", "district", "status"),
    [
        ("auditor", None, 200),
        ("admin", None, 200),
        ("staff", "清江浦区", 200),
        ("staff", "天宁区", 403),
    ],
)
def test_who_may_read_a_projects_history(console, role, district, status):
    client = signed_in(
        console, role, username=f"u-{role}-{district}", districts=[district] if district else []
    )
    for suffix in ("", "/compare", "/report.pdf"):
        answer = client.get(f"/audit/projects/{console.project_id}{suffix}")
        expected = status if status != 200 or suffix != "/compare" else 400  # no dates given
        assert answer.status_code == expected, suffix
        if status == 403:
            text = visible(answer)
            assert "403" in text and "凤凰新村" not in text


def test_anonymous_visitors_and_unknown_projects(console, auditor):
    anonymous = console.test_client()
    answer = anonymous.get(f"/audit/projects/{console.project_id}")
    assert answer.status_code == 302  # to the sign-in page, and back here after it
    assert answer.headers["Location"].startswith("/login?next=")
    assert auditor.get(f"/audit/projects/{uuid.uuid4()}").status_code == 404


def test_the_panel_and_the_report_name_the_first_problem(console, auditor, tmp_path):
    with console.app_context():
        engine = runtime().engine
        with engine.begin() as conn:
            conn.execute(
                update(event_log)
                .where(event_log.c.project_id == console.project_id, event_log.c.version == 3)
                .values(digest="0" * 64)
            )
            position = (
                conn.execute(
                    event_log.select().where(
                        event_log.c.project_id == console.project_id, event_log.c.version == 3
                    )
                )
                .first()
                .position
            )
    text = visible(auditor.get(f"/audit/projects/{console.project_id}"))
    assert "链已损坏：发现 1 处问题。" in text
    assert f"版本 3，位置 {position}" in text
    report = auditor.get(f"/audit/projects/{console.project_id}/report.pdf")
    printed = pdf_text(report.data, tmp_path, squeeze=True)
    assert "链已损坏：发现1处问题。" in printed and f"版本3，位置{position}" in printed


def test_the_project_page_as_of_a_past_date(console):
    client = console.test_client()
    path = f"/projects/{console.project_id}"
    answer = client.get(f"{path}?as_of={console.today}")
    past = visible(answer)
    assert answer.status_code == 200 and problems_in(past) == []
    assert "历史状态" in past and console.today.strftime("%Y年%-m月%-d日") in past
    assert "60 m" not in past  # the progress recorded two days later
    assert "60 m" in visible(client.get(path))
    now = visible(client.get(path))
    assert "历史状态" not in now


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2026-02-30", "应为日期（年-月-日）"),
        ("not-a-date", "应为日期（年-月-日）"),
        ("2026-01-01T00:00:00+08:00", "应为日期（年-月-日）"),
        ("0001-01-01", "1900"),
        ("9999-12-31", "2199"),
    ],
)
def test_a_bad_as_of_date_is_said_not_failed(console, value, reason):
    answer = console.test_client().get(f"/projects/{console.project_id}?as_of={value}")
    assert answer.status_code == 400
    text = visible(answer)
    assert "“截至日期”" in text and reason in text and "历史状态" not in text


def test_a_date_before_registration(console):
    answer = console.test_client().get(f"/projects/{console.project_id}?as_of=2020-01-01")
    assert answer.status_code == 400 and "尚未登记" in visible(answer)


def test_two_dates_compared(console, auditor):
    query = f"from={console.today}&to={console.later}"
    answer = auditor.get(f"/audit/projects/{console.project_id}/compare?{query}")
    assert answer.status_code == 200
    text = visible(answer)
    assert problems_in(text) == []
    rows = answer.get_data(as_text=True).split("<tr")
    changed = [r for r in rows if 'class="changed"' in r]
    assert any("雨污分流改造" in r and "60 m" in r for r in changed)
    assert not any("阶段" in r for r in changed)  # the stage moved on the first day
    assert "收到意见" in text and "施工中" in text


@pytest.mark.parametrize(
    "query", ["", "from=2026-01-01", "from=bad&to=2026-01-01", "from=2026-05-02&to=2026-05-01"]
)
def test_compare_needs_two_dates_in_order(console, auditor, query):
    answer = auditor.get(f"/audit/projects/{console.project_id}/compare?{query}")
    assert answer.status_code == 400
    assert re.search("必须填写|应为日期|不得早于", visible(answer))


def test_the_audit_report_pdf(console, auditor, tmp_path):
    query = f"from={console.today}&to={console.today}"
    answer = auditor.get(f"/audit/projects/{console.project_id}/report.pdf?{query}")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    text = pdf_text(answer.data, tmp_path, squeeze=True)
    assert "项目历史审计报告" in text and "链完整" in text
    assert "项目由“已登记”进入“问需（需求调查）”。" in text
    with console.app_context():
        checkpoint = runtime().audit_log.latest_checkpoint()
    assert f"规模{checkpoint.size}，根哈希{checkpoint.root_b64}" in text
    assert "经日志密钥签名；本项目事件与日志所记一致" in text
    assert "已完成60m" not in text  # two days later: outside the period
    assert PHONE not in text and OPINION_TEXT not in text
    assert problems_in(pdf_text(answer.data, tmp_path)) == []
    fonts = subprocess.run(
        ["pdffonts", str(tmp_path / "document.pdf")], check=True, capture_output=True, text=True
    ).stdout
    cjk = [line.split() for line in fonts.splitlines() if re.search(r"CJK", line)]
    assert cjk and all(columns[-5:-3] == ["yes", "yes"] for columns in cjk)


def test_a_bad_report_period_is_refused(console, auditor):
    answer = auditor.get(f"/audit/projects/{console.project_id}/report.pdf?from=2026-99-01")
    assert answer.status_code == 400 and "应为日期" in visible(answer)


def test_the_read_model_keeps_no_personal_data_in_its_summaries(console):
    with console.app_context():
        rt = runtime()
        with rt.engine.connect() as conn:
            codes = list(
                conn.execute(
                    select(opinions.c.tracking_code).where(
                        opinions.c.project_id == console.project_id
                    )
                ).scalars()
            )
            summaries = [
                r.summary
                for r in conn.execute(
                    event_log.select().where(event_log.c.project_id == console.project_id)
                )
            ]
    assert len(summaries) == console.latest_version and all(summaries)
    stored = "\n".join(summaries)
    assert codes
    for secret in (PHONE, OPINION_TEXT, "O-1", "-101", *codes):
        assert secret not in stored


def test_the_console_in_english(console, auditor):
    answer = auditor.get(f"/audit/projects/{console.project_id}?lang=en&kind=StageChanged")
    text = visible(answer)
    assert answer.status_code == 200
    assert "History of 凤凰新村" in text
    assert "Moved the project from “Registered” to “Needs survey”." in text


def test_turning_pages_offers_the_check_instead_of_running_it(console, auditor):
    path = f"/audit/projects/{console.project_id}"
    second = visible(auditor.get(f"{path}?page=2"))
    assert "立即校验链" in second and "已校验事件数" not in second
    checked = visible(auditor.get(f"{path}?page=2&check=1"))
    assert "链完整" in checked and f"已校验事件数\n{console.latest_version}" in checked


def test_compared_marks_stage_quantities_answers_and_items():
    item = {"item": "雨污分流改造", "unit": "m"}
    before = {
        "stage": "acceptance_inspection",
        "version": 40,
        "quantities": {"item-1": dict(item, actual_quantity="800")},
        "opinions": {"received": 3, "answered": 1},
        "items": {"1": "work_required", "2": "closed"},
    }
    after = {
        "stage": "rectification",
        "version": 52,
        "quantities": {"item-1": dict(item, actual_quantity="800")},
        "opinions": {"received": 3, "answered": 3},
        "items": {"1": "closed", "2": "closed", "10": "opened"},
    }
    result = compared(before, after)
    assert result["stage"] == ("acceptance_inspection", "rectification")
    assert result["quantities"] == [dict(item, before="800", after="800", changed=False)]
    assert result["opinions"] == [("received", 3, 3), ("answered", 1, 3)]
    assert result["items"] == [
        ("1", "work_required", "closed"),
        ("2", "closed", "closed"),
        ("10", None, "opened"),
    ]
    not_yet = compared(None, after)
    assert (
        not_yet["stage"] == (None, "rectification") and not_yet["quantities"][0]["before"] is None
    )


def test_the_panel_checks_the_project_against_the_signed_log(console, auditor):
    from tests.integration.test_audit_log import Store

    url = f"/audit/projects/{console.project_id}"
    text = visible(auditor.get(url))
    with console.app_context():
        rt = runtime()
        checkpoint = rt.audit_log.latest_checkpoint()
        store = Store(rt)
        rows = [r for r in store.rows() if str(UUID(str(r[1]))) == console.project_id]
        notification_id, _project, _version, state = rows[2]
        position = next(
            p for p, r in enumerate(store.rows(), 1) if r[0] == notification_id
        )
    assert checkpoint.root_b64 in text
    assert "✓ 经日志密钥签名" in text

    store.set("state", state[:-1] + bytes([state[-1] ^ 1]), notification_id)

    text = visible(auditor.get(url + "?check=1"))
    assert f"✗ 自第 {position} 条起，存储的事件与已签名的日志不符" in text, text
