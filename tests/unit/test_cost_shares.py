import json
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from renovation.domain.cost_shares import (
    BudgetMissingError,
    CostShareError,
    CostShareFlat,
    CostShareResult,
    NoPayingFlatsError,
    SubsidyExceedsCostError,
    compute_cost_shares,
)
from renovation.domain.rulesets import get_ruleset

NATIONAL = get_ruleset("national-2021")
NANJING = get_ruleset("nanjing-2023")
ZERO = Decimal("0.00")


def one_flat_per_floor(floors=6, area="100"):
    return [CostShareFlat(f"{floor}01", floor, Decimal(area)) for floor in range(1, floors + 1)]


def test_shares_follow_floor_coefficient_times_area():
    result = compute_cost_shares(one_flat_per_floor(), Decimal("340000.00"), ZERO, NATIONAL)

    assert [s.share for s in result.shares] == [
        Decimal(x) for x in ("0", "0", "70000", "80000", "90000", "100000")
    ]
    assert result.total_weight == Decimal("340")
    assert result.cost_per_weighted_m2 == Decimal("1000.0000")


def test_exempt_floors_pay_nothing():
    result = compute_cost_shares(one_flat_per_floor(), Decimal("123456.78"), ZERO, NATIONAL)

    assert result.share_of("101") == result.share_of("201") == ZERO
    assert result.shares[0].coefficient == 0


def test_subsidy_is_deducted_before_sharing():
    result = compute_cost_shares(one_flat_per_floor(), Decimal("540000.00"), None, NANJING)

    assert result.subsidy == Decimal("200000.00")
    assert result.amount == Decimal("340000.00")
    assert sum(s.share for s in result.shares) == result.amount


def test_explicit_subsidy_overrides_the_ruleset_figure():
    result = compute_cost_shares(
        one_flat_per_floor(), Decimal("540000.00"), Decimal("1000.00"), NANJING
    )

    assert result.amount == Decimal("539000.00")


def test_floors_above_the_table_pay_the_top_coefficient():
    flats = [CostShareFlat("901", 9, Decimal("80")), CostShareFlat("1101", 11, Decimal("80"))]

    result = compute_cost_shares(flats, Decimal("1000.00"), ZERO, NATIONAL)

    assert result.share_of("901") == result.share_of("1101") == Decimal("500.00")


def test_leftover_fen_go_to_the_largest_dropped_fraction_first():
    # Weights 70 and 140 of 100.00 yuan: exact 33.333… and 66.666…, one fen left over.
    flats = [CostShareFlat("301", 3, Decimal("100")), CostShareFlat("302", 3, Decimal("200"))]

    result = compute_cost_shares(flats, Decimal("100.00"), ZERO, NATIONAL)

    assert (result.share_of("301"), result.share_of("302")) == (Decimal("33.33"), Decimal("66.67"))
    assert [s.extra_fen for s in result.shares] == [0, 1]


def test_leftover_fen_tie_goes_to_the_higher_floor():
    # Floor 5 × 100 m² and floor 6 × 90 m² weigh the same (90): 50.005 each.
    flats = [CostShareFlat("501", 5, Decimal("100")), CostShareFlat("601", 6, Decimal("90"))]

    result = compute_cost_shares(flats, Decimal("100.01"), ZERO, NATIONAL)

    assert (result.share_of("501"), result.share_of("601")) == (Decimal("50.00"), Decimal("50.01"))


def test_leftover_fen_tie_on_the_same_floor_goes_to_the_smaller_flat_id():
    flats = [CostShareFlat(f"30{i}", 3, Decimal("100")) for i in (3, 1, 2)]

    result = compute_cost_shares(flats, Decimal("100.00"), ZERO, NATIONAL)

    assert result.share_of("301") == Decimal("33.34")
    assert result.share_of("302") == result.share_of("303") == Decimal("33.33")


def test_subsidy_covering_the_whole_cost_leaves_nothing_to_pay():
    result = compute_cost_shares(
        one_flat_per_floor(), Decimal("5000.00"), Decimal("5000.00"), NATIONAL
    )

    assert all(s.share == 0 for s in result.shares)


@pytest.mark.parametrize("total", [None, Decimal("0"), Decimal("0.00")])
def test_missing_budget_is_refused(total):
    with pytest.raises(BudgetMissingError):
        compute_cost_shares(one_flat_per_floor(), total, ZERO, NATIONAL)


def test_subsidy_larger_than_the_cost_is_refused():
    with pytest.raises(SubsidyExceedsCostError) as refused:
        compute_cost_shares(one_flat_per_floor(), Decimal("100.00"), Decimal("100.01"), NATIONAL)
    assert refused.value.code == "subsidy_exceeds_cost" and refused.value.field == "subsidy"
    assert refused.value.params == {"subsidy": Decimal("100.01"), "total_cost": Decimal("100.00")}


@pytest.mark.parametrize(
    ("total", "subsidy"),
    [
        (Decimal("-5.00"), ZERO),
        (Decimal("10.005"), ZERO),
        (100.0, ZERO),
        (Decimal("10.00"), Decimal("-1.00")),
    ],
)
def test_money_that_is_negative_not_decimal_or_finer_than_a_fen_is_refused(total, subsidy):
    with pytest.raises(CostShareError) as refused:
        compute_cost_shares(one_flat_per_floor(), total, subsidy, NATIONAL)
    assert refused.value.code in ("must_be_number", "must_not_be_negative", "whole_fen")


@pytest.mark.parametrize("area", [Decimal("0"), Decimal("-10"), Decimal("Infinity")])
def test_flat_without_a_positive_area_is_refused(area):
    with pytest.raises(CostShareError) as refused:
        compute_cost_shares([CostShareFlat("301", 3, area)], Decimal("10.00"), ZERO, NATIONAL)
    assert (refused.value.code, refused.value.params) == ("flat_area_positive", {"flat": "301"})


def test_flat_on_floor_zero_is_refused():
    with pytest.raises(CostShareError) as refused:
        compute_cost_shares(
            [CostShareFlat("b1", 0, Decimal("50"))], Decimal("10.00"), ZERO, NATIONAL
        )
    assert refused.value.code == "flat_floor_invalid"
    assert refused.value.params == {"flat": "b1", "floor": 0}


def test_only_exempt_flats_means_nobody_can_pay():
    with pytest.raises(NoPayingFlatsError):
        compute_cost_shares(one_flat_per_floor(2), Decimal("10.00"), ZERO, NATIONAL)


def test_no_flats_means_nobody_can_pay():
    with pytest.raises(NoPayingFlatsError):
        compute_cost_shares([], Decimal("10.00"), ZERO, NATIONAL)


def test_result_round_trips_through_json_safe_dict():
    result = compute_cost_shares(
        one_flat_per_floor(9, "87.35"), Decimal("480000.00"), None, NANJING
    )

    data = json.loads(json.dumps(result.to_dict()))

    assert CostShareResult.from_dict(data) == result
    assert data["shares"][0]["share"] == "0.00"


# ---- properties ----------------------------------------------------------------------


@st.composite
def lifts(draw):
    count = draw(st.integers(1, 20))
    flats = [
        CostShareFlat(
            f"f{i:02d}", draw(st.integers(1, 12)), Decimal(draw(st.integers(1, 30000))) / 100
        )
        for i in range(count)
    ]
    flats.append(CostShareFlat("top", draw(st.integers(3, 12)), Decimal("60.00")))  # one payer
    total = Decimal(draw(st.integers(1, 10**9))) / 100
    subsidy = Decimal(draw(st.integers(0, int(total * 100)))) / 100
    return flats, total, subsidy, draw(st.sampled_from([NATIONAL, NANJING]))


@given(lifts())
def test_shares_add_up_exactly_and_are_never_negative(lift):
    result = compute_cost_shares(*lift)

    assert sum(s.share for s in result.shares) == result.amount
    assert all(s.share >= 0 for s in result.shares)
    assert all(s.share == 0 for s in result.shares if s.coefficient == 0)


@given(lifts())
def test_each_share_is_within_one_fen_of_exact_and_heavier_never_pays_less(lift):
    result = compute_cost_shares(*lift)

    for line in result.shares:
        exact = Fraction(result.amount) * Fraction(line.weight) / Fraction(result.total_weight)
        assert abs(Fraction(line.share) - exact) < Fraction(1, 100)
    for a in result.shares:
        for b in result.shares:
            if a.weight > b.weight:
                assert a.share >= b.share
