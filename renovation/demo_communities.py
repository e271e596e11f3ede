"""The demo district's communities (where they are, their size, the stage each is taken to)
and the renovation content they may plan.

Modelled on public examples (清江浦区 in 淮安; 河海新村 in 常州); dates are those of the works.
"""

from __future__ import annotations

from datetime import date
from typing import Any

# name, city, district, street, address, year built, buildings, units a building, target stage
COMMUNITIES: list[dict[str, Any]] = [
    {
        "name": "凤凰新村",
        "city": "淮安市",
        "district": "清江浦区",
        "street": "浦楼街道",
        "address": "淮安市清江浦区凤凰路",
        "year_built": 1992,
        "buildings": 8,
        "units": 3,
        "stage": "under_construction",
        "start": date(2026, 3, 1),
        "finish": date(2026, 12, 31),
    },
    {
        "name": "富丽花园",
        "city": "淮安市",
        "district": "清江浦区",
        "street": "清河街道",
        "address": "淮安市清江浦区富丽路",
        "year_built": 1998,
        "buildings": 6,
        "units": 2,
        "stage": "plan_publicized",
        "start": date(2027, 3, 1),
        "finish": date(2027, 11, 30),
    },
    {
        "name": "化工新村片区",
        "city": "淮安市",
        "district": "清江浦区",
        "street": "长西街道",
        "address": "淮安市清江浦区化工路",
        "year_built": 1985,
        "buildings": 10,
        "units": 2,
        "stage": "needs_survey",
        "start": None,
        "finish": None,
    },
    {
        "name": "健康新村",
        "city": "淮安市",
        "district": "清江浦区",
        "street": "淮海街道",
        "address": "淮安市清江浦区健康西路",
        "year_built": 1990,
        "buildings": 5,
        "units": 2,
        "stage": "evaluation",
        "start": date(2025, 3, 1),
        "finish": date(2025, 11, 30),
    },
    {
        "name": "幸福里",
        "city": "淮安市",
        "district": "清江浦区",
        "street": "清河街道",
        "address": "淮安市清江浦区幸福路",
        "year_built": 1987,
        "buildings": 4,
        "units": 2,
        "stage": "long_term_management",
        "start": date(2024, 9, 1),
        "finish": date(2025, 6, 30),
    },
    {
        "name": "河海新村",
        "city": "常州市",
        "district": "天宁区",
        "street": "茶山街道",
        "address": "常州市天宁区河海中路",
        "year_built": 1993,
        "buildings": 7,
        "units": 3,
        "stage": "acceptance_inspection",
        "start": date(2025, 9, 1),
        "finish": date(2026, 10, 31),
    },
    {
        "name": "北门新村",
        "city": "淮安市",
        "district": "淮安区",
        "street": "淮城街道",
        "address": "淮安市淮安区北门大街",
        "year_built": 1988,
        "buildings": 4,
        "units": 2,
        "stage": "rejected_by_residents",
        "start": None,
        "finish": None,
    },
]

# The stages a community is walked through, up to its target.
PATH = [
    "needs_survey",
    "intent_vote",
    "in_plan",
    "design",
    "plan_publicized",
    "plan_approved",
    "under_construction",
    "acceptance_inspection",
    "accepted",
    "evaluation",
    "long_term_management",
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
