"""The lift retrofit notice (既有住宅加装电梯公示): the sheet a bureau posts in the stairwell.

One unit's willingness poll as a 公示: every flat's vote (flat numbers are shown, as a
notice posted inside the unit does), the Civil Code art. 278 arithmetic with its verdict
and ruleset, the notice and objection dates, how to lodge an objection, the cost shares
once the agreement records a budget, a QR code of the unit's public lift page, and the
event position and chain digest it was rendered at.

Context (plain values, dates as ``date``/``datetime``)::

    {"lang", "project": {"id", "name", "district", "street"},
     "lift": lift_view(...), "shares": lift_cost_shares(...) or None,
     "public_url", "position", "chain_digest", "rendered_at": "YYYY-MM-DD HH:MM"}
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from renovation.domain.base import LOCAL_TZ
from renovation.reports.household_codes import qr_svg
from renovation.reports.participation import consent_values
from renovation.reports.participation import labels as participation_labels
from renovation.reports.rendering import html_to_pdf, layout_labels, render_html

TEMPLATE = "reports/lift_notice/notice.html"
NOT_APPLICABLE = "—"

LIFT_STAGE_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "willingness_poll": "意愿征询",
        "consent_passed": "表决通过",
        "agreement_signed": "签订加装协议",
        "design": "方案设计",
        "public_notice": "方案公示",
        "objection_window": "异议期",
        "objection_mediation": "异议调解",
        "permit_or_exemption": "规划许可或豁免",
        "installation_notified": "施工告知",
        "under_construction": "施工中",
        "supervisory_inspection_passed": "监督检验合格",
        "completion_accepted": "竣工验收",
        "documents_handed_over": "资料移交",
        "use_registered": "使用登记",
        "in_service": "投入使用",
        "abandoned": "已终止",
    },
    "en": {
        "willingness_poll": "Willingness poll",
        "consent_passed": "Consent passed",
        "agreement_signed": "Agreement signed",
        "design": "Design",
        "public_notice": "Public notice",
        "objection_window": "Objection window",
        "objection_mediation": "Objection mediation",
        "permit_or_exemption": "Permit or exemption",
        "installation_notified": "Installation notified",
        "under_construction": "Under construction",
        "supervisory_inspection_passed": "Supervisory inspection passed",
        "completion_accepted": "Completion accepted",
        "documents_handed_over": "Documents handed over",
        "use_registered": "Use registered",
        "in_service": "In service",
        "abandoned": "Abandoned",
    },
}

VOTE_LABELS: dict[str, dict[str | None, str]] = {
    "zh": {"agree": "同意", "disagree": "反对", "abstain": "弃权", None: "未表决"},
    "en": {"agree": "Agree", "disagree": "Disagree", "abstain": "Abstain", None: "Did not vote"},
}

LABELS: dict[str, dict[str, Any]] = {
    "zh": {
        "title": "{name}{building}幢{unit}单元既有住宅加装电梯公示",
        "subtitle": "{district}{street}",
        "intro": (
            "根据《中华人民共和国民法典》第二百七十八条，{building}幢{unit}单元业主就加装电梯"
            "（改建、重建等重大事项）进行了意愿征询。现将表决情况、表决结果及有关事项公示如下，"
            "接受本单元业主监督。"
        ),
        "facts": "基本情况",
        "community": "小区",
        "unit_label": "单元",
        "unit_value": "{building}幢{unit}单元（共 {flats} 户）",
        "stage": "当前阶段",
        "poll": "征询时间",
        "poll_value": "{opens} 至 {closes}（北京时间）",
        "poll_state": "征询状态",
        "poll_closed": "已结束，结果已计票",
        "poll_open": "进行中，以下为截至 {today} 的统计",
        "votes": "一、表决情况",
        "flat": "户",
        "floor": "楼层",
        "area": "面积（m²）",
        "vote": "意见",
        "veto_mark": "★",
        "veto_note": "★ 表示专有部分受加装电梯占用的住户，依规则须本人同意。",
        "tally": "同意 {agree} 户 · 反对 {disagree} 户 · 弃权 {abstain} 户 · 未表决 {none} 户",
        "consent": "二、表决结果（《民法典》第二百七十八条）",
        "ruleset": "计票规则：{ruleset}",
        "notice": "三、公示期与异议",
        "notice_ends": "公示期截止",
        "objections_end": "异议期截止",
        "not_yet": "待定（方案公示开始后确定）",
        "not_yet_objections": "待定（公示期满后确定）",
        "how_to_object": [
            "对本公示内容有异议的，请在公示期或异议期截止日前书面提出。",
            "扫描右侧二维码或访问下列网址，在本单元加装电梯页面填写异议；"
            "填写户码的，异议将记入本户。",
            "也可向所在社区居委会或街道办事处书面提出，工作人员将登记并答复。",
        ],
        "website": "网址",
        "scan": "扫码查看、提出异议",
        "objections_count": "已收到异议 {count} 件，其中已答复 {answered} 件。",
        "agreement": "四、加装协议",
        "manager": "管理主体",
        "budget": "工程预算（元）",
        "cost_sharing": "费用分摊方式",
        "maintenance_sharing": "维护费用分摊",
        "compensation": "补偿安排",
        "shares": "五、费用分摊",
        "shares_intro": (
            "分摊金额 = 楼层系数 × 专有面积 × 每加权平方米费用，金额精确到分，"
            "各户合计等于应分摊金额。"
        ),
        "total_cost": "工程总费用（元）",
        "subsidy": "政府补贴（元）",
        "amount": "应分摊金额（元）",
        "rate": "每加权平方米费用（元）",
        "coefficient": "系数",
        "share": "分摊金额（元）",
        "extra_fen": "注：标 * 的住户按尾差规则多分摊 1 分。",
        "total": "合计",
        "no_shares": "加装协议记录预算后公布各户分摊金额。",
        "closing": "特此公示。",
        "rendered_at": "公示生成时间：{at}",
    },
    "en": {
        "title": "Lift retrofit notice: {name}, building {building}, unit {unit}",
        "subtitle": "{district} {street}",
        "intro": (
            "Under article 278 of the Civil Code, the owners of building {building}, unit "
            "{unit} were polled on retrofitting a lift (a major alteration). The votes, the "
            "result and what follows are published here for the owners of the unit."
        ),
        "facts": "Facts",
        "community": "Community",
        "unit_label": "Unit",
        "unit_value": "Building {building}, unit {unit} ({flats} flats)",
        "stage": "Stage",
        "poll": "Poll",
        "poll_value": "{opens} to {closes} (Beijing time)",
        "poll_state": "Poll status",
        "poll_closed": "Closed and counted",
        "poll_open": "Open; the count as of {today}",
        "votes": "1. Votes",
        "flat": "Flat",
        "floor": "Floor",
        "area": "Area (m²)",
        "vote": "Vote",
        "veto_mark": "★",
        "veto_note": "★ The lift would occupy this flat's exclusive part: its owner must agree.",
        "tally": "Agree {agree} · disagree {disagree} · abstain {abstain} · did not vote {none}",
        "consent": "2. Result (Civil Code art. 278)",
        "ruleset": "Ruleset: {ruleset}",
        "notice": "3. Notice period and objections",
        "notice_ends": "Notice ends",
        "objections_end": "Objections until",
        "not_yet": "to be set when the public notice starts",
        "not_yet_objections": "to be set when the public notice ends",
        "how_to_object": [
            "Objections are lodged in writing before the notice or objection period ends.",
            "Scan the QR code or open the address below and write your objection on the "
            "unit's lift page; with your household code it is recorded for your flat.",
            "You may also hand it to the residents' committee or the subdistrict office.",
        ],
        "website": "Address",
        "scan": "Scan to read or object",
        "objections_count": "{count} objection(s) received, {answered} answered.",
        "agreement": "4. Agreement",
        "manager": "Managed by",
        "budget": "Budget (yuan)",
        "cost_sharing": "Cost sharing",
        "maintenance_sharing": "Maintenance sharing",
        "compensation": "Compensation",
        "shares": "5. Cost shares",
        "shares_intro": (
            "Share = floor coefficient × exclusive area × cost per weighted m², to the fen; "
            "the shares add up to the amount shared."
        ),
        "total_cost": "Total cost (yuan)",
        "subsidy": "Subsidy (yuan)",
        "amount": "Amount shared (yuan)",
        "rate": "Cost per weighted m² (yuan)",
        "coefficient": "Coefficient",
        "share": "Share (yuan)",
        "extra_fen": "* received one of the leftover fen.",
        "total": "Total",
        "no_shares": "Shares are published once the agreement records a budget.",
        "closing": "Published for the owners' information.",
        "rendered_at": "Rendered {at}",
    },
}


def _lang(lang: str | None) -> str:
    return lang if lang in LABELS else "zh"


def format_date(value: date | datetime | str | None, lang: str = "zh") -> str:
    """A day as 2026年10月8日 (Chinese) or 2026-10-08; a datetime as its Beijing day."""
    if value is None or value == "":
        return NOT_APPLICABLE
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TZ).date()
    if _lang(lang) == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return value.isoformat()


def format_moment(value: datetime | str | None) -> str:
    """An instant as Beijing time to the minute."""
    if value is None:
        return NOT_APPLICABLE
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def money(value: str | Decimal | None) -> str:
    return NOT_APPLICABLE if value in (None, "") else f"{Decimal(value):,.2f}"


def flat_number(flat_id: str, building: str, unit: str) -> str:
    """``3-1-101`` in unit 3-1 → ``101``."""
    return flat_id.removeprefix(f"{building}-{unit}-")


def _natural(value: str) -> tuple:
    return tuple(
        (0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.findall(r"\d+|\D+", value)
    )


def template_values(context: dict[str, Any]) -> dict[str, Any]:
    """The notice template's values: every figure formatted, every label in ``lang``."""
    lang = _lang(context.get("lang"))
    L = {**layout_labels(lang), **participation_labels(lang), **LABELS[lang]}
    project = context["project"]
    lift = context["lift"]
    building, unit = str(lift["building"]), str(lift["unit"])
    votes = VOTE_LABELS[lang]
    flats = sorted(
        lift["flats"],
        key=lambda f: (f["floor"], _natural(flat_number(f["flat_id"], building, unit))),
    )
    tally = {"agree": 0, "disagree": 0, "abstain": 0, "none": 0}
    for f in flats:
        tally[f["vote"] or "none"] += 1
    title = L["title"].format(name=project["name"], building=building, unit=unit)

    shares = context.get("shares")
    share_values = None
    if shares:
        lines = sorted(
            shares["shares"],
            key=lambda s: (s["floor"], _natural(flat_number(s["flat_id"], building, unit))),
        )
        share_values = {
            "total_cost": money(shares["total_cost"]),
            "subsidy": money(shares["subsidy"]),
            "amount": money(shares["amount"]),
            "rate": shares["cost_per_weighted_m2"],
            "ruleset": shares["ruleset_id"],
            "rows": [
                {
                    "flat": flat_number(s["flat_id"], building, unit),
                    "floor": s["floor"],
                    "coefficient": s["coefficient"],
                    "area": s["area"],
                    "share": money(s["share"]),
                    "extra_fen": bool(s.get("extra_fen")),
                }
                for s in lines
            ],
            "total": money(sum((Decimal(s["share"]) for s in lines), Decimal("0"))),
            "any_extra_fen": any(s.get("extra_fen") for s in lines),
        }

    agreement = lift.get("agreement") or None
    agreement_rows = None
    if agreement:
        agreement_rows = [
            {"label": L[key], "value": money(agreement[key]) if key == "budget" else agreement[key]}
            for key in ("manager", "budget", "cost_sharing", "maintenance_sharing", "compensation")
            if agreement.get(key) not in (None, "")
        ]

    objections = lift.get("objections") or []
    stage = str(lift["stage"])
    return {
        "lang": lang,
        "L": L,
        "title": title,
        "subtitle": L["subtitle"]
        .format(district=project.get("district", ""), street=project.get("street") or "")
        .strip(),
        "intro": L["intro"].format(building=building, unit=unit),
        "project": project,
        "unit_value": L["unit_value"].format(building=building, unit=unit, flats=len(flats)),
        "stage": LIFT_STAGE_LABELS[lang].get(stage, stage),
        "poll": L["poll_value"].format(
            opens=format_moment(lift["poll_opens_at"]), closes=format_moment(lift["poll_closes_at"])
        ),
        "poll_state": L["poll_closed"]
        if lift["poll_closed"]
        else L["poll_open"].format(today=format_date(lift.get("today"), lang)),
        "flats": [
            {
                "flat": flat_number(f["flat_id"], building, unit),
                "floor": f["floor"],
                "area": f"{Decimal(f['area']):.2f}",
                "vote": votes.get(f["vote"], str(f["vote"])),
                "choice": f["vote"] or "none",
                "holds_veto": bool(f["holds_veto"]),
            }
            for f in flats
        ],
        "any_veto": any(f["holds_veto"] for f in flats),
        "tally": L["tally"].format(**tally),
        "consent": consent_values(lift.get("consent"), lang),
        "notice_ends": format_date(lift.get("notice_ends_on"), lang)
        if lift.get("notice_ends_on")
        else L["not_yet"],
        "objections_end": format_date(lift.get("objections_end_on"), lang)
        if lift.get("objections_end_on")
        else L["not_yet_objections"],
        "objections_count": L["objections_count"].format(
            count=len(objections), answered=sum(1 for o in objections if o.get("outcome"))
        )
        if objections
        else None,
        "agreement": agreement_rows,
        "shares": share_values,
        "public_url": context["public_url"],
        "qr": qr_svg(context["public_url"]),
        "rendered_at": context["rendered_at"],
        "rendered_line": L["rendered_at"].format(at=context["rendered_at"]),
        # The shared layout's names.
        "position": int(context.get("position") or 0),
        "chain_digest": str(context.get("chain_digest") or ""),
        "as_of": None,
        "generated_at": context["rendered_at"],
    }


def lift_notice_html(context: dict[str, Any]) -> str:
    """The notice as HTML (for tests and debugging)."""
    return render_html(TEMPLATE, template_values(context))


def render_lift_notice(context: dict[str, Any]) -> bytes:
    """The notice as PDF bytes (A4), fonts embedded, resources from the static folder only."""
    return html_to_pdf(lift_notice_html(context))
