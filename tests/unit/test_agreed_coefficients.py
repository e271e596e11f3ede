"""The unit's own floor coefficients (issue 11, item 7): checked by field, exempt floors at 0,
and cost shares that follow them and say whether they depart from the reference table."""

from decimal import Decimal

import pytest

from renovation.domain.cost_shares import CostShareError, CostShareFlat, compute_cost_shares
from renovation.domain.errors import InvalidProjectDataError
from renovation.domain.lifts import agreed_coefficients
from renovation.domain.rulesets import get_ruleset

NATIONAL = get_ruleset("national-2021")  # floors 1–2: 0; 3: 0.7; 4: 0.8; 5: 0.9; 6+: 1.0
FLOORS = range(1, 7)
D = Decimal


def flats():
    return [CostShareFlat(f"{floor}01", floor, D("100")) for floor in FLOORS]


def test_no_coefficients_given_is_the_reference_table():
    table, departs = agreed_coefficients(FLOORS, None, None, NATIONAL)
    assert table == {f: NATIONAL.floor_coefficient(f) for f in FLOORS} and not departs


def test_the_owners_own_table_with_a_floor_that_pays_nothing():
    given = {2: D("0.2"), 3: D("0.5"), 4: D("0.8"), 5: D("0.9"), 6: D("1.0")}
    table, departs = agreed_coefficients(FLOORS, given, [1], NATIONAL)
    assert table[1] == 0 and table[2] == D("0.2") and departs
    result = compute_cost_shares(flats(), D("340000.00"), D("0.00"), NATIONAL, agreed=table)
    assert result.coefficients == "agreed" and result.departs_from_reference
    assert result.share_of("101") == 0 and result.share_of("201") == D("20000.00")
    assert sum(s.share for s in result.shares) == D("340000.00")


def test_the_reference_table_agreed_does_not_depart():
    table, _ = agreed_coefficients(FLOORS, None, [1, 2], NATIONAL)
    result = compute_cost_shares(flats(), D("340000.00"), D("0.00"), NATIONAL, agreed=table)
    assert result.coefficients == "agreed" and not result.departs_from_reference
    reference = compute_cost_shares(flats(), D("340000.00"), D("0.00"), NATIONAL)
    assert reference.coefficients == "reference" and reference.shares == result.shares
    assert result.to_dict()["departs_from_reference"] is False


@pytest.mark.parametrize(
    ("given", "exempt", "field", "code"),
    [
        (
            {3: D("-0.1")},
            [1, 2, 4, 5, 6],
            "details.floor_coefficients.3",
            "lift_coefficient_negative",
        ),
        ({3: D("0.7")}, [1, 2], "details.floor_coefficients.4", "lift_coefficient_missing"),
        ({3: "0.7"}, [1, 2, 4, 5, 6], "details.floor_coefficients.3", "lift_coefficient_number"),
        ({3: D("NaN")}, [1, 2, 4, 5, 6], "details.floor_coefficients.3", "lift_coefficient_number"),
        ({9: D("1")}, list(FLOORS), "details.floor_coefficients.9", "lift_floor_not_in_unit"),
        (None, [0], "details.exempt_floors", "lift_floor_not_in_unit"),
    ],
)
def test_bad_coefficients_are_named_by_field(given, exempt, field, code):
    with pytest.raises(InvalidProjectDataError) as refused:
        agreed_coefficients(FLOORS, given, exempt, NATIONAL)
    problems = refused.value.problems()
    assert field in problems and problems[field][0].code == code


def test_a_flat_on_a_floor_the_agreement_did_not_cover_is_refused():
    with pytest.raises(CostShareError) as refused:
        compute_cost_shares(flats(), D("1000.00"), D("0.00"), NATIONAL, agreed={1: D("1")})
    assert refused.value.code == "lift_coefficient_missing"
