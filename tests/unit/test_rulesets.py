import json
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from renovation.domain.rulesets import (
    Matter,
    RulesetFormatError,
    RulesetNotFoundError,
    Threshold,
    all_rulesets,
    get_ruleset,
    load_rulesets,
    parse_ruleset,
    ruleset_in_force,
)
from renovation.vocabulary import vocabulary

NANJING = "320100"


def _valid_data() -> dict:
    return get_ruleset("national-2021").to_dict()


def test_national_ruleset_carries_article_278_thresholds():
    national = get_ruleset("national-2021")

    alteration = national.consent_rules(Matter.ALTERATION)
    assert alteration.quorum_area == Threshold(Fraction(2, 3), inclusive=True)
    assert alteration.pass_owners == Threshold(Fraction(3, 4), inclusive=True)
    assert alteration.all_owners_area is None
    ordinary = national.consent_rules("ordinary")
    assert ordinary.pass_area == Threshold(Fraction(1, 2), inclusive=False)
    assert (national.notice_period_days, national.objection_period_days) == (10, 7)
    assert national.satisfaction_threshold == Fraction(9, 10)
    assert (national.acceptance_notice_working_days, national.acceptance_filing_days) == (7, 15)
    assert national.evaluation_min_coverage == Fraction(1, 2)


def test_city_variant_asks_two_thirds_of_all_owners():
    nanjing = get_ruleset("nanjing-2023")

    assert nanjing.city_code == NANJING
    assert nanjing.alteration.all_owners_area == Threshold(Fraction(2, 3))
    assert nanjing.alteration.all_owners_owners == Threshold(Fraction(2, 3))
    assert nanjing.subsidy_per_lift == Decimal("200000.00")
    assert nanjing.effective_from > get_ruleset("national-2021").effective_from


def test_thresholds_render_inclusive_and_strict_signs():
    assert Threshold(Fraction(2, 3)).render() == "≥ 2/3"
    assert Threshold(Fraction(1, 2), inclusive=False).render() == "> 1/2"
    assert Threshold(Fraction(1, 2), inclusive=False).is_met(Fraction(1, 2)) is False
    assert Threshold(Fraction(2, 3)).is_met(Fraction(2, 3)) is True


def test_floor_coefficients_exempt_low_floors_and_cap_high_floors():
    national = get_ruleset("national-2021")

    assert national.floor_coefficient(1) == national.floor_coefficient(2) == 0
    assert national.floor_coefficient(3) == Decimal("0.7")
    assert national.floor_coefficient(9) == Decimal("1.3")
    assert national.floor_coefficient(18) == Decimal("1.3")
    with pytest.raises(ValueError):
        national.floor_coefficient(0)


def test_ruleset_in_force_picks_city_ruleset_from_its_effective_date():
    assert ruleset_in_force(NANJING, date(2023, 2, 28)).id == "national-2021"
    assert ruleset_in_force(NANJING, date(2023, 3, 1)).id == "nanjing-2023"
    assert ruleset_in_force(NANJING, date(2030, 1, 1)).id == "nanjing-2023"


def test_ruleset_in_force_falls_back_to_national_for_other_cities():
    assert ruleset_in_force("320800", date(2024, 5, 1)).id == "national-2021"
    assert ruleset_in_force(None, date(2024, 5, 1)).id == "national-2021"


def test_no_ruleset_before_the_civil_code_is_a_clear_error():
    with pytest.raises(RulesetNotFoundError) as refused:
        ruleset_in_force(NANJING, date(2020, 12, 31))
    assert refused.value.code == "no_ruleset_in_force"
    assert refused.value.params == {"on_date": date(2020, 12, 31)}
    assert vocabulary("zh").refusal(refused.value.code, refused.value.params) == (
        "2020年12月31日没有生效的规则集。"
    )


def test_unknown_ruleset_id_is_a_clear_error():
    with pytest.raises(RulesetNotFoundError) as refused:
        get_ruleset("beijing-1999")
    assert (refused.value.code, refused.value.field) == ("unknown_ruleset", "ruleset_id")
    assert "beijing-1999" in vocabulary("en").refusal(refused.value.code, refused.value.params)


def test_effective_until_is_the_last_day_in_force():
    data = _valid_data() | {"effective_until": "2024-12-31"}
    later = _valid_data() | {"id": "national-2025", "effective_from": "2025-01-01"}
    rulesets = [parse_ruleset(data), parse_ruleset(later)]

    assert ruleset_in_force(None, date(2024, 12, 31), rulesets).id == "national-2021"
    assert ruleset_in_force(None, date(2025, 1, 1), rulesets).id == "national-2025"


def test_every_packaged_ruleset_round_trips_through_its_json_shape():
    for ruleset in all_rulesets():
        assert parse_ruleset(json.loads(json.dumps(ruleset.to_dict()))) == ruleset


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"consent": {"alteration": {}, "ordinary": {}}}, "consent.alteration: missing"),
        ({"satisfaction_threshold": 0.9}, "satisfaction_threshold: expected a fraction"),
        ({"satisfaction_threshold": "3/2"}, r"must lie in \(0, 1\]"),
        ({"evaluation_min_coverage": "0.5"}, "evaluation_min_coverage: expected a fraction"),
        ({"acceptance_notice_working_days": -1}, "acceptance_notice_working_days"),
        ({"subsidy_per_lift": 1000}, "subsidy_per_lift"),
        ({"floor_coefficients": {"1": "0", "3": "0.7"}}, "without gaps"),
        ({"effective_from": "2021-13-01"}, "ISO date"),
        ({"notice_period_days": 0}, "notice_period_days"),
        ({"subsidy": "0"}, "unknown key"),
        ({"effective_until": "2020-01-01"}, "before effective_from"),
    ],
)
def test_malformed_ruleset_data_is_refused_naming_the_key(change, message):
    with pytest.raises(RulesetFormatError, match=message):
        parse_ruleset(_valid_data() | change, "bad.json")


def test_threshold_without_inclusive_flag_is_refused():
    data = _valid_data()
    data["consent"]["ordinary"]["pass_area"] = {"ratio": "1/2"}

    with pytest.raises(RulesetFormatError, match=r"consent\.ordinary\.pass_area: missing"):
        parse_ruleset(data)


def test_loading_a_directory_refuses_invalid_json(tmp_path):
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")

    with pytest.raises(RulesetFormatError, match=r"broken\.json: not valid JSON"):
        load_rulesets(tmp_path)


def test_loading_a_directory_refuses_overlapping_periods_for_one_city(tmp_path):
    first = _valid_data()
    second = _valid_data() | {"id": "national-2024", "effective_from": "2024-01-01"}
    for data in (first, second):
        (tmp_path / f"{data['id']}.json").write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(RulesetFormatError, match="overlap"):
        load_rulesets(tmp_path)


def test_loading_a_directory_refuses_duplicate_ids(tmp_path):
    data = _valid_data()
    for name in ("a.json", "b.json"):
        (tmp_path / name).write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(RulesetFormatError, match="defined twice"):
        load_rulesets(tmp_path)
