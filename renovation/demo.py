"""A realistic demo district, modelled on public examples (清江浦区 in 淮安; 河海新村 in 常州).

Deterministic: the same seed gives the same flats, areas and owners. Typical old
neighbourhoods: six-storey walk-ups of the 1980s–90s, two to three stairwells a building,
two flats a landing, 45–95 m² each.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from renovation.application.app import RenovationApplication
from renovation.demo_acceptance import add_demo_acceptance, add_demo_handover
from renovation.demo_communities import COMMUNITIES, CONTENT, PATH
from renovation.demo_evaluation import add_demo_evaluation
from renovation.demo_milestones import add_demo_milestones
from renovation.demo_payments import add_demo_payments
from renovation.domain.project import Actor

DEMO_ACTOR = Actor(id="user:demo", role="staff", channel="cli")


def community_payload(spec: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The registration payload of one demo community."""
    buildings = []
    owner = 0
    for b in range(1, spec["buildings"] + 1):
        units = []
        for u in range(1, spec["units"] + 1):
            flats = []
            for floor in range(1, 7):
                for door in (1, 2):
                    owner += 1
                    flats.append(
                        {
                            "number": f"{floor}0{door}",
                            "floor": floor,
                            "area": str(Decimal(rng.randrange(4500, 9500)) / 100),
                            # A few owners hold two flats; a few flats were never sold.
                            "owner_ref": f"H{owner - 1 if rng.random() < 0.04 else owner:05d}",
                            "unsold": rng.random() < 0.01,
                        }
                    )
            units.append({"code": str(u), "flats": flats})
        buildings.append({"code": str(b), "name": f"{b}幢", "units": units})
    n = spec["buildings"]
    content = [
        {
            "category": category,
            "item": item,
            "unit": unit,
            "planned_quantity": str(
                max(rng.randint(low, high) * n // (3 if unit == "km" else 1), 1)
            ),
        }
        for category, item, unit, low, high in CONTENT
        if high > 0
    ]
    households = sum(len(u["flats"]) for b in buildings for u in b["units"])
    central = Decimal(households * 8000)
    return {
        "community": {
            k: spec[k] for k in ("name", "city", "district", "street", "address", "year_built")
        },
        "buildings": buildings,
        "content_items": content,
        "budget": [
            {"source": "中央财政补助资金", "amount": f"{central:.2f}"},
            {"source": "省级奖补资金", "amount": f"{central * Decimal('0.3'):.2f}"},
            {"source": "市县配套资金", "amount": f"{central * Decimal('0.5'):.2f}"},
            {"source": "居民出资", "amount": f"{households * 500:.2f}"},
        ],
        "planned_start": spec["start"],
        "planned_finish": spec["finish"],
    }


OPINIONS: list[tuple[str, str, str | None]] = [
    # category, text, answer outcome (None: still open)
    ("construction", "施工时间能否避开午休时段？中午一点前后电钻声很大，老人休息不好。", "adopted"),
    ("plan", "希望在3幢和4幢之间增设电动自行车充电棚，现在很多人飞线充电，很危险。", "adopted"),
    ("safety", "2幢1单元楼道灯坏了半个多月，晚上上下楼看不清。", "referred"),
    ("plan", "建议保留小区中间那几棵香樟树，不要为了停车位砍掉。", "partly_adopted"),
    ("lift", "我们单元想加装电梯，请问申请流程怎么走？", None),
    ("nuisance", "渣土车进出没有覆盖，路面灰尘很大。", "adopted"),
    ("property_management", "改造完成后谁来负责日常维护？希望明确物业管理方式。", None),
    ("plan", "外墙保温颜色能否让居民投票选择？", "not_adopted"),
]
ANSWERS = {
    "adopted": "已采纳，已要求施工单位调整。",
    "partly_adopted": "部分采纳：方案已调整，具体见公示图纸。",
    "not_adopted": "未采纳。",
    "referred": "已转交相关部门处理。",
}
DEMO_PAPER = Actor(id="user:demo", role="staff", channel="paper")


def hold_demo_intent_vote(
    app: RenovationApplication, project_id, name: str, rng: random.Random, *, passing: bool
) -> None:
    """An intent vote (意愿征询) held last month on paper and entered today."""
    real_clock = app.clock
    now = real_clock()
    opens, closes = now - timedelta(days=40), now - timedelta(days=30)
    weights = (0.88, 0.05, 0.03, 0.04) if passing else (0.55, 0.30, 0.05, 0.10)
    consultation_id = app.open_consultation(
        project_id,
        {
            "kind": "needs",
            "title": f"{name}改造意愿征询",
            "intent_vote": True,
            "matter": "alteration",
            "opens_at": opens,
            "closes_at": closes,
            "scope": {"level": "community"},
        },
        actor=DEMO_ACTOR,
        command_id=f"demo:{name}:intent",
    ).value["consultation_id"]
    try:
        app.clock = lambda: opens + timedelta(days=3)
        for flat in app.get_project(project_id).flats():
            choice = rng.choices(["agree", "disagree", "abstain", None], weights)[0]
            if choice is None:
                continue
            fid = f"{flat['building']}-{flat['unit']}-{flat['number']}"
            app.cast_paper_vote(
                project_id,
                consultation_id,
                flat_id=fid,
                answers={},
                consent=choice,
                actor=DEMO_PAPER,
                effective_on=(opens + timedelta(days=3)).date(),
                command_id=f"demo:{name}:intent:{fid}",
            )
        app.clock = lambda: closes + timedelta(hours=1)
        app.close_consultation(
            project_id, consultation_id, actor=DEMO_ACTOR, command_id=f"demo:{name}:intent:close"
        )
    finally:
        app.clock = real_clock


# The programme year and batch (年度, 批次) of a demo community, by the stage it is walked to.
DEMO_PROGRAMME = {
    "long_term_management": (2024, "第一批"),
    "evaluation": (2024, "第二批"),
    "acceptance_inspection": (2025, "第一批"),
    "under_construction": (2025, "第二批"),
}


def load_demo(app: RenovationApplication, *, seed: int = 20261126) -> dict[str, Any]:
    """Register the demo communities and walk each to its stage; idempotent by command id.

    Returns the project ids, the resident supervisor waiting to sign items off (project id,
    supervisor id) for a demo account, and, on the first run only, a few household codes to
    try the voting page with (codes are shown once, when issued).
    """
    rng = random.Random(seed)
    ids, codes, made = [], {}, []
    supervisor = None
    for spec in COMMUNITIES:
        name = spec["name"]
        payload = community_payload(spec, rng)
        project_id = app.register_project(
            payload, actor=DEMO_ACTOR, command_id=f"demo:{name}"
        ).project_id
        target = spec["stage"]
        year, batch = DEMO_PROGRAMME.get(target, (2026, "第一批"))
        app.assign_programme(
            project_id, year, batch, actor=DEMO_ACTOR, command_id=f"demo:{name}:programme"
        )
        steps = (
            PATH[: PATH.index("intent_vote") + 1]
            if target == "rejected_by_residents"
            else (PATH[: PATH.index(target) + 1])
        )
        for index, stage in enumerate(steps):
            if stage == "in_plan":
                hold_demo_intent_vote(app, project_id, name, rng, passing=True)
                continue
            if stage == "accepted":  # through the meeting, rectification and sign-offs
                add_demo_acceptance(app, project_id, spec, DEMO_ACTOR, passing=True)
                continue
            if stage == "long_term_management":  # after a closed evaluation (the gate)
                add_demo_evaluation(app, project_id, name, DEMO_ACTOR)
            app.transition_project(
                project_id, stage, actor=DEMO_ACTOR, command_id=f"demo:{name}:{index}"
            )
            if stage == "under_construction":
                add_demo_milestones(
                    app, project_id, spec, finished=target != stage, actor=DEMO_ACTOR
                )
                project = app.get_project(project_id)
                for item in project.content_items[::2]:
                    done = (
                        item["planned_quantity"] * Decimal(rng.randint(30, 100)) / 100
                    ).quantize(Decimal(1))
                    if any(m["item_id"] == item["id"] for m in project.milestones.values()):
                        continue  # its progress is what its milestones report
                    app.record_progress(
                        project_id,
                        item["id"],
                        done,
                        actor=DEMO_ACTOR,
                        command_id=f"demo:{name}:progress:{item['id']}",
                    )
        if target == "evaluation":  # a real round, answered on paper and closed
            add_demo_evaluation(app, project_id, name, DEMO_ACTOR)
        if target == "long_term_management":
            add_demo_handover(app, project_id, name, DEMO_ACTOR)
        if target == "acceptance_inspection":  # items still open, one overdue
            sid = add_demo_acceptance(app, project_id, spec, DEMO_ACTOR, passing=False)
            supervisor = (str(project_id), sid)
        if target == "rejected_by_residents":
            hold_demo_intent_vote(app, project_id, name, rng, passing=False)
        if target not in ("needs_survey", "rejected_by_residents"):
            add_demo_opinions(app, project_id, name, rng)
        if target == "needs_survey":
            codes.update(open_demo_survey(app, project_id, name))
        if name == "凤凰新村":
            add_demo_lift(app, project_id, name, rng)
        ids.append(str(project_id))
        made.append((project_id, name))
    # Last, so that the payments' draws leave every other figure of the seed as it was.
    for project_id, name in made:
        add_demo_payments(app, project_id, name, rng, DEMO_ACTOR)
    return {"projects": ids, "household_codes": codes, "supervisor": supervisor}


def add_demo_lift(app: RenovationApplication, project_id, name: str, rng) -> None:
    """Building 2, unit 1 of 凤凰新村: a lift poll held last month, now on public notice."""
    real_clock = app.clock
    now = real_clock()
    opens, closes = now - timedelta(days=45), now - timedelta(days=35)
    lift_id = app.propose_lift(
        project_id,
        {
            "building": "2",
            "unit": "1",
            "veto_flats": ["2-1-101"],
            "poll_opens_at": opens,
            "poll_closes_at": closes,
        },
        actor=DEMO_ACTOR,
        command_id=f"demo:{name}:lift",
    ).value["lift_id"]
    try:
        app.clock = lambda: opens + timedelta(days=2)
        for flat in app.get_project(project_id).unit_flats("2", "1"):
            choice = "agree" if flat["floor"] > 1 or flat["number"].endswith("1") else "abstain"
            app.cast_lift_vote(
                project_id,
                lift_id,
                flat_id=flat["flat_id"],
                choice=choice,
                actor=DEMO_PAPER,
                effective_on=(opens + timedelta(days=2)).date(),
                command_id=f"demo:{name}:lift:{flat['flat_id']}",
            )
        app.clock = lambda: closes + timedelta(hours=2)
        app.close_lift_poll(
            project_id, lift_id, actor=DEMO_ACTOR, command_id=f"demo:{name}:lift:close"
        )
    finally:
        app.clock = real_clock
    today = app.today()
    for index, (stage, days_ago, details) in enumerate(
        [
            (
                "agreement_signed",
                30,
                {
                    "manager": "2幢1单元加装电梯业主小组",
                    "budget": Decimal("580000.00"),
                    "cost_sharing": "按楼层系数与专有面积分摊",
                    "maintenance_sharing": "二层以上住户均摊",
                    "compensation": "一层住户采光补偿每户8000元",
                },
            ),
            ("design", 20, {}),
            ("public_notice", 3, {}),
        ]
    ):
        app.transition_lift(
            project_id,
            lift_id,
            stage,
            on=today - timedelta(days=days_ago),
            details=details,
            actor=DEMO_ACTOR,
            command_id=f"demo:{name}:lift:{index}",
        )
    app.lodge_objection(
        project_id,
        lift_id,
        text="电梯井道离我家窗户太近，影响采光和隐私。",
        actor=Actor(id="resident", role="resident", channel="web"),
        command_id=f"demo:{name}:lift:objection",
    )


def add_demo_opinions(app: RenovationApplication, project_id, name: str, rng) -> None:
    resident = Actor(id="resident", role="resident", channel="web")
    for index, (category, text, outcome) in enumerate(rng.sample(OPINIONS, 5)):
        opinion = app.submit_opinion(
            project_id,
            {"category": category, "text": text, "building": "1"},
            actor=resident,
            command_id=f"demo:{name}:opinion:{index}",
        ).value
        if outcome:
            app.answer_opinions(
                project_id,
                [opinion["opinion_id"]],
                {
                    "outcome": outcome,
                    "answer": ANSWERS[outcome],
                    "reason": "外墙颜色须符合街区风貌导则。" if outcome == "not_adopted" else "",
                    "referred_to": "街道城管科" if outcome == "referred" else "",
                },
                actor=DEMO_ACTOR,
                command_id=f"demo:{name}:answer:{index}",
            )


def open_demo_survey(app: RenovationApplication, project_id, name: str) -> dict[str, str]:
    """A needs survey (问需) open for two weeks, with codes for building 1."""
    now = app.clock()
    app.open_consultation(
        project_id,
        {
            "kind": "needs",
            "title": f"{name}改造需求调查",
            "opens_at": now - timedelta(hours=1),
            "closes_at": now + timedelta(days=14),
            "scope": {"level": "community"},
            "questions": [
                {
                    "type": "multiple",
                    "text": "您最希望改造哪些内容？",
                    "required": True,
                    "options": [
                        "雨污管网",
                        "道路停车",
                        "加装电梯",
                        "充电设施",
                        "适老化设施",
                        "绿化",
                    ],
                },
                {
                    "type": "single",
                    "text": "您是否愿意为改造出资？",
                    "options": ["愿意", "视金额而定", "不愿意"],
                },
                {"type": "rating", "text": "您对小区现状的满意程度（1–5）"},
                {"type": "text", "text": "其他意见和建议"},
            ],
        },
        actor=DEMO_ACTOR,
        command_id=f"demo:{name}:survey",
    )
    result = app.issue_household_codes(
        project_id, building="1", actor=DEMO_ACTOR, command_id=f"demo:{name}:codes"
    )
    return {f"{name} {fid}": code for fid, code in list((result.value or {}).items())[:3]}
