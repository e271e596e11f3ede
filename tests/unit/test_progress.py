"""The project's progress figure: weights by planned cost or by quantity, exact arithmetic."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from renovation.domain.progress import project_progress
from renovation.domain.registration import check_content_items

ITEMS = [{"id": "item-1"}, {"id": "item-2"}, {"id": "item-3"}]


def ms(item_id: str, quantity: str, done: str = "0") -> dict:
    return {"item_id": item_id, "quantity": quantity, "done_quantity": done}


def test_no_milestones_gives_no_figure():
    assert project_progress(ITEMS, []) is None


def test_without_costs_items_weigh_equally_and_milestones_by_quantity_within_the_item():
    # item-1: 600 m half built + 300 m untouched → 300/900 = 1/3; item-2: all 12 → 1
    progress = project_progress(
        ITEMS, [ms("item-1", "600", "300"), ms("item-1", "300"), ms("item-2", "12", "12")]
    )
    assert progress is not None
    assert progress.basis == "planned_quantity"
    assert progress.fraction == Fraction(1, 2) * Fraction(1, 3) + Fraction(1, 2)
    assert progress.percent == Decimal("66.6")  # 66.66… rounded down
    assert str(progress.percent) == "66.6"


def test_with_a_cost_for_every_item_with_milestones_items_weigh_by_cost():
    items = [
        {"id": "item-1", "planned_cost": "300000.00"},
        {"id": "item-2", "planned_cost": "100000.00"},
        {"id": "item-3"},  # no milestone, so its missing cost does not matter
    ]
    progress = project_progress(items, [ms("item-1", "600", "150"), ms("item-2", "12", "12")])
    assert progress is not None
    assert progress.basis == "planned_cost"
    assert progress.fraction == Fraction(3, 4) * Fraction(1, 4) + Fraction(1, 4)
    assert progress.percent == Decimal("43.7")  # 43.75 rounded down


def test_one_item_without_a_cost_falls_back_to_equal_weights():
    items = [{"id": "item-1", "planned_cost": "300000"}, {"id": "item-2", "planned_cost": None}]
    progress = project_progress(items, [ms("item-1", "600", "150"), ms("item-2", "12", "12")])
    assert progress is not None
    assert progress.basis == "planned_quantity"
    assert progress.fraction == Fraction(5, 8)


def test_a_zero_cost_does_not_count_as_a_cost():
    items = [{"id": "item-1", "planned_cost": "0"}, {"id": "item-2", "planned_cost": "5"}]
    progress = project_progress(items, [ms("item-1", "1", "1"), ms("item-2", "1")])
    assert progress is not None and progress.basis == "planned_quantity"
    assert progress.percent == Decimal("50.0")


def test_done_beyond_the_milestone_counts_as_complete_and_nothing_below_zero():
    progress = project_progress(ITEMS, [ms("item-1", "10", "25"), ms("item-2", "10", "-3")])
    assert progress is not None
    assert progress.fraction == Fraction(1, 2)


def test_exact_decimals_are_not_floats():
    progress = project_progress(ITEMS, [ms("item-1", "0.3", "0.1")])
    assert progress is not None
    assert progress.fraction == Fraction(1, 3)
    assert progress.percent == Decimal("33.3")
    assert progress.as_dict() == {"percent": "33.3", "basis": "planned_quantity"}


def test_all_done_is_exactly_one_hundred_and_one_short_is_not():
    done = project_progress(ITEMS, [ms("item-1", "1000", "1000")])
    short = project_progress(ITEMS, [ms("item-1", "10000", "9999")])
    assert done is not None and short is not None
    assert str(done.percent) == "100.0"
    assert str(short.percent) == "99.9"


# ---- properties --------------------------------------------------------------------------

quantities = st.decimals(min_value="0.01", max_value="100000", places=2)
costs = st.one_of(st.none(), st.decimals(min_value="0", max_value="10000000", places=2))


@st.composite
def projects(draw):
    """Content items (some with a cost) and milestones, each with a done share in [0, 1.2]."""
    count = draw(st.integers(min_value=1, max_value=4))
    items = [{"id": f"item-{n}", "planned_cost": draw(costs)} for n in range(1, count + 1)]
    milestones = []
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        quantity = draw(quantities)
        share = draw(st.fractions(min_value=0, max_value=Fraction(6, 5)))
        milestones.append(
            {
                "item_id": draw(st.sampled_from([i["id"] for i in items])),
                "quantity": quantity,
                "done_quantity": (quantity * share.numerator / share.denominator).quantize(
                    Decimal("0.01")
                ),
            }
        )
    return items, milestones


@given(projects())
def test_progress_is_between_zero_and_one(project):
    progress = project_progress(*project)
    assert progress is not None
    assert 0 <= progress.fraction <= 1
    assert Decimal(0) <= progress.percent <= Decimal(100)
    assert sum(p.weight for p in progress.items) == 1


@given(projects(), st.data())
def test_progress_does_not_fall_when_a_reported_quantity_rises(project, data):
    items, milestones = project
    before = project_progress(items, milestones)
    index = data.draw(st.integers(min_value=0, max_value=len(milestones) - 1))
    more = data.draw(st.decimals(min_value="0", max_value="1000", places=2))
    raised = [dict(m) for m in milestones]
    raised[index]["done_quantity"] = Decimal(raised[index]["done_quantity"]) + more
    after = project_progress(items, raised)
    assert before is not None and after is not None
    assert after.basis == before.basis
    assert after.fraction >= before.fraction
    assert after.percent >= before.percent


@given(projects())
def test_every_milestone_complete_is_one_hundred_per_cent(project):
    items, milestones = project
    complete = [dict(m, done_quantity=m["quantity"]) for m in milestones]
    progress = project_progress(items, complete)
    assert progress is not None
    assert progress.fraction == 1
    assert str(progress.percent) == "100.0"


@given(projects())
def test_the_basis_is_cost_exactly_when_every_item_with_milestones_has_a_cost(project):
    items, milestones = project
    progress = project_progress(items, milestones)
    costs_of = {i["id"]: i["planned_cost"] for i in items}
    with_cost = all(
        costs_of[m["item_id"]] is not None and costs_of[m["item_id"]] > 0 for m in milestones
    )
    assert progress is not None
    assert progress.basis == ("planned_cost" if with_cost else "planned_quantity")


# ---- a content item's planned cost at registration ---------------------------------------


def checked_cost(value):
    problems: dict = {}
    items = check_content_items(
        [
            {
                "category": "basic",
                "item": "雨污分流改造",
                "unit": "m",
                "planned_quantity": "1",
                "planned_cost": value,
            }
        ],
        problems,
    )
    return items[0].get("planned_cost"), {
        path: [p.code for p in found] for path, found in problems.items()
    }


def test_a_planned_cost_is_optional_and_kept_exactly():
    assert checked_cost(None) == (None, {})
    assert checked_cost("300000.50") == (Decimal("300000.50"), {})
    assert checked_cost("1.500") == (Decimal("1.500"), {})  # trailing zeros are whole fen


def test_a_bad_planned_cost_is_a_problem_of_its_field_without_overflow():
    field = "content_items.0.planned_cost"
    assert checked_cost("0.001")[1] == {field: ["whole_fen"]}
    assert checked_cost("1E-999999")[1] == {field: ["whole_fen"]}
    assert checked_cost("1E+999999")[1] == {field: ["amount_at_most"]}
    assert checked_cost("-5")[1] == {field: ["must_not_be_negative"]}
    assert checked_cost("很多")[1] == {field: ["must_be_number"]}
