"""A realistic demo district, modelled on public examples (清江浦区 in 淮安; 河海新村 in 常州).

Deterministic: the same seed gives the same flats, areas and owners. Typical old
neighbourhoods: six-storey walk-ups of the 1980s–90s, two to three stairwells a building,
two flats a landing, 45–95 m² each.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from typing import Any

from renovation.application.app import RenovationApplication
from renovation.domain.project import Actor

DEMO_ACTOR = Actor(id="user:demo", role="staff", channel="cli")

# name, city, district, street, address, year built, buildings, units a building, target stage
COMMUNITIES: list[dict[str, Any]] = [
    {
        "name": "凤凰新村", "city": "淮安市", "district": "清江浦区", "street": "浦楼街道",
        "address": "淮安市清江浦区凤凰路", "year_built": 1992, "buildings": 8, "units": 3,
        "stage": "under_construction", "start": date(2026, 3, 1), "finish": date(2026, 12, 31),
    },
    {
        "name": "富丽花园", "city": "淮安市", "district": "清江浦区", "street": "清河街道",
        "address": "淮安市清江浦区富丽路", "year_built": 1998, "buildings": 6, "units": 2,
        "stage": "plan_publicized", "start": date(2027, 3, 1), "finish": date(2027, 11, 30),
    },
    {
        "name": "化工新村片区", "city": "淮安市", "district": "清江浦区", "street": "长西街道",
        "address": "淮安市清江浦区化工路", "year_built": 1985, "buildings": 10, "units": 2,
        "stage": "needs_survey", "start": None, "finish": None,
    },
    {
        "name": "健康新村", "city": "淮安市", "district": "清江浦区", "street": "淮海街道",
        "address": "淮安市清江浦区健康西路", "year_built": 1990, "buildings": 5, "units": 2,
        "stage": "evaluation", "start": date(2025, 3, 1), "finish": date(2025, 11, 30),
    },
    {
        "name": "河海新村", "city": "常州市", "district": "天宁区", "street": "茶山街道",
        "address": "常州市天宁区河海中路", "year_built": 1993, "buildings": 7, "units": 3,
        "stage": "acceptance_inspection", "start": date(2025, 9, 1), "finish": date(2026, 10, 31),
    },
    {
        "name": "北门新村", "city": "淮安市", "district": "淮安区", "street": "淮城街道",
        "address": "淮安市淮安区北门大街", "year_built": 1988, "buildings": 4, "units": 2,
        "stage": "rejected_by_residents", "start": None, "finish": None,
    },
]

CONTENT: list[tuple[str, str, str, int, int]] = [
    # category, item, unit, planned per building (low, high)
    ("basic", "雨污分流改造", "m", 120, 200),
    ("basic", "供水管网改造", "m", 80, 150),
    ("basic", "弱电缆线入地", "km", 0, 1),
    ("basic", "道路改造", "m²", 400, 700),
    ("basic", "屋面防水", "m²", 350, 600),
    ("basic", "楼道整治", "个", 2, 3),
    ("improvement", "无障碍设施", "处", 1, 3),
    ("improvement", "新增停车泊位", "个", 6, 15),
    ("improvement", "电动汽车充电桩", "个", 2, 5),
    ("improvement", "加装电梯", "部", 0, 1),
    ("upgrade", "社区助餐点", "处", 0, 0),
    ("upgrade", "智能安防", "套", 1, 1),
]

PATH = [
    "needs_survey", "intent_vote", "in_plan", "design", "plan_publicized", "plan_approved",
    "under_construction", "acceptance_inspection", "accepted", "evaluation",
]


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
            "planned_quantity": str(max(rng.randint(low, high) * n // (3 if unit == "km" else 1), 1)),
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


def load_demo(app: RenovationApplication, *, seed: int = 20261126) -> list[str]:
    """Register the demo communities and walk each to its stage; idempotent by command id."""
    rng = random.Random(seed)
    ids = []
    for spec in COMMUNITIES:
        payload = community_payload(spec, rng)
        result = app.register_project(payload, actor=DEMO_ACTOR, command_id=f"demo:{spec['name']}")
        project_id = result.project_id
        target = spec["stage"]
        steps = PATH[: PATH.index("intent_vote") + 1] + [target] if target == "rejected_by_residents" else PATH[: PATH.index(target) + 1]
        for index, stage in enumerate(steps):
            app.move_project(
                project_id, stage, actor=DEMO_ACTOR, command_id=f"demo:{spec['name']}:{index}"
            )
            if stage == "under_construction":
                project = app.get_project(project_id)
                for item in project.content_items[::2]:
                    done = (item["planned_quantity"] * Decimal(rng.randint(30, 100)) / 100).quantize(
                        Decimal(1)
                    )
                    app.record_progress(
                        project_id, item["id"], done, actor=DEMO_ACTOR,
                        command_id=f"demo:{spec['name']}:progress:{item['id']}",
                    )
        ids.append(str(project_id))
    return ids
