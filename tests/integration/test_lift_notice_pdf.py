"""The lift retrofit notice (加装电梯公示) as a real PDF, from a real lift retrofit."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from renovation.domain.project import Actor
from renovation.projections.replay import summary_at
from renovation.reports.lift_notice import lift_notice_html, render_lift_notice
from tests.conftest import STAFF
from tests.helpers import pdf_fonts, pdf_text
from tests.integration.test_lifts import close, six_storey_unit

PAPER = Actor(STAFF.id, STAFF.role, "paper")
PUBLIC_URL = "https://gj.huaian.gov.cn/projects/{pid}/lifts/3-1"
VOTES = {
    **{f"3-1-{floor}0{door}": "agree" for floor in range(1, 7) for door in (1, 2)},
    "3-1-202": "disagree",
    "3-1-302": "abstain",
}


def notice_context(runtime, pid: UUID, lift_id: str, *, shares: bool = True) -> dict:
    app = runtime.app
    runtime.catch_up()
    row = summary_at(app, runtime.engine, pid)
    project = app.get_project(pid).community
    return {
        "lang": "zh",
        "project": {
            "id": str(pid),
            "name": project["name"],
            "district": project["district"],
            "street": project.get("street") or "",
        },
        "lift": app.lift_view(pid, lift_id),
        "shares": app.lift_cost_shares(pid, lift_id) if shares else None,
        "public_url": PUBLIC_URL.format(pid=pid),
        "position": row["position"],
        "chain_digest": row["chain_digest"],
        "rendered_at": "2026-09-01 10:00",
    }


@pytest.fixture
def lift(runtime):
    """Unit 3-1 polled on paper (9 of 11 owners agree), agreement signed at 600,000 yuan."""
    app = runtime.app
    pid = app.register_project(six_storey_unit(), actor=STAFF).project_id
    now = app.clock()
    lift_id = app.propose_lift(
        pid,
        {
            "building": "3",
            "unit": "1",
            "veto_flats": ["3-1-101"],
            "poll_opens_at": now - timedelta(hours=1),
            "poll_closes_at": now + timedelta(days=10),
        },
        actor=STAFF,
    ).value["lift_id"]
    for flat_id, choice in VOTES.items():
        app.cast_lift_vote(pid, lift_id, flat_id=flat_id, choice=choice, actor=PAPER)
    close(app, pid, lift_id)
    app.transition_lift(
        pid,
        lift_id,
        "agreement_signed",
        on=date(2026, 9, 1),
        actor=STAFF,
        details={
            "manager": "3幢1单元加装电梯业主小组",
            "budget": Decimal("600000.00"),
            "cost_sharing": "按楼层系数与面积分摊",
            "maintenance_sharing": "二层以上按户均摊",
        },
    )
    return runtime, pid, lift_id


def test_the_notice_prints_votes_arithmetic_verdict_and_shares(lift, tmp_path):
    runtime, pid, lift_id = lift
    context = notice_context(runtime, pid, lift_id)
    pdf = render_lift_notice(context)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf, tmp_path)
    flat = re.sub(r"\s+", "", text)

    assert "凤凰新村3幢1单元既有住宅加装电梯公示" in flat
    for number in ("101", "202", "302", "601", "602"):
        assert number in text
    # 10 agree, 202 disagrees, 302 abstains (601 and 602 are one owner).
    assert "同意" in text and "不同意" in text and "弃权" in text
    assert "同意10户·不同意1户·弃权1户·未表决0户" in flat
    # The art. 278 arithmetic: 11 owners took part of 11; 9 agreeing owners of 11 voters.
    checks = {c["name"]: c for c in context["lift"]["consent"]["checks"]}
    for check in checks.values():
        assert check["rendered"].replace(" ", "") in flat
        assert check["required"].replace(" ", "") in flat
    assert "参与表决专有面积占比" in flat and "同意人数占参与表决人数" in flat
    assert "结论：表决通过。计票规则：全国默认规则（民法典第二百七十八条）。" in flat
    assert "national-2021" not in flat  # the ruleset by its name, never its id
    assert "★" in text  # 101 holds the veto
    # The cost shares: floors 1–2 pay nothing, the total equals the amount.
    shares = context["shares"]
    assert sum(Decimal(s["share"]) for s in shares["shares"]) == Decimal(shares["amount"])
    assert "600,000.00" in text
    for line in shares["shares"]:
        assert f"{Decimal(line['share']):,.2f}" in text
    assert "系数" in text and "分摊金额" in flat
    # Dates not known yet, how to object, the QR code's address, the footer.
    assert "公示期截止" in flat and "异议期截止" in flat and "待定" in text
    assert PUBLIC_URL.format(pid=pid).replace("/", "") in flat.replace("/", "")
    assert f"事件位置{context['position']}" in flat
    assert context["chain_digest"][:16] in flat
    fonts = pdf_fonts(pdf, tmp_path)
    cjk = [line for line in fonts.splitlines() if re.search(r"Noto.?Sans.?CJK", line)]
    assert cjk, fonts
    assert all(line.split()[-5] == "yes" for line in cjk), fonts  # emb column


def test_the_notice_shows_the_notice_and_objection_dates_once_known(lift, tmp_path):
    runtime, pid, lift_id = lift
    app = runtime.app
    app.transition_lift(pid, lift_id, "design", on=date(2026, 9, 10), actor=STAFF)
    app.transition_lift(pid, lift_id, "public_notice", on=date(2026, 9, 25), actor=STAFF)
    app.transition_lift(pid, lift_id, "objection_window", on=date(2026, 10, 9), actor=STAFF)
    context = notice_context(runtime, pid, lift_id)
    flat = re.sub(r"\s+", "", pdf_text(render_lift_notice(context), tmp_path))
    # Ten days from 9-25 end in the National Day holiday: the next working day, 10-08.
    assert "公示期截止2026年10月8日" in flat
    assert "异议期截止" + context["lift"]["objections_end_on"].strftime("%Y年%-m月%-d日") in flat
    assert "待定" not in flat


def test_without_shares_the_notice_says_when_they_come_and_carries_a_qr_code(lift):
    runtime, pid, lift_id = lift
    html = lift_notice_html(notice_context(runtime, pid, lift_id, shares=False))
    assert "加装协议记录预算后公布各户分摊金额" in html
    assert '<svg font-family="Noto Sans CJK SC"' in html and 'class="qr"' in html
    assert "O-6" not in html and "owner_ref" not in html  # no owner references on a notice
