import json
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from renovation.domain.consent import (
    ConsentResult,
    EmptyScopeError,
    FlatVoteInput,
    InvalidFlatError,
    InvalidVoteError,
    UnknownFlatError,
    VoteChoice,
    evaluate_consent,
)
from renovation.domain.rulesets import get_ruleset
from renovation.vocabulary import vocabulary

AGREE, DISAGREE, ABSTAIN = VoteChoice.AGREE, VoteChoice.DISAGREE, VoteChoice.ABSTAIN
NATIONAL = get_ruleset("national-2021")
NANJING = get_ruleset("nanjing-2023")


def flat(flat_id, area="50.00", owner=None, **kwargs):
    return FlatVoteInput(flat_id, owner or f"owner-{flat_id}", Decimal(area), **kwargs)


def twelve_flats():
    return [flat(str(i)) for i in range(1, 13)]


def votes(agree=(), disagree=(), abstain=()):
    return (
        {str(i): AGREE for i in agree}
        | {str(i): DISAGREE for i in disagree}
        | {str(i): ABSTAIN for i in abstain}
    )


# ---- thresholds at their boundaries ------------------------------------------------


def boundary_unit(non_voter_area="25.00", last_agree_area="15.00", last_disagree_area="25.00"):
    # Voters hold 100 of 150 m² and 4 of 6 heads: quorum exactly 2/3 on both.
    # Agreeing voters hold 75 of 100 m² and 3 of 4 heads: exactly 3/4 on both.
    return [
        flat("a1", "30.00"),
        flat("a2", "30.00"),
        flat("a3", last_agree_area),
        flat("d1", last_disagree_area),
        flat("n1", "25.00"),
        flat("n2", non_voter_area),
    ], {"a1": AGREE, "a2": AGREE, "a3": AGREE, "d1": DISAGREE}


def test_exactly_two_thirds_quorum_and_exactly_three_quarters_agreement_pass():
    flats, ballot = boundary_unit()

    result = evaluate_consent(flats, ballot, NATIONAL)

    assert result.check("quorum_area").actual == Fraction(2, 3)
    assert result.check("quorum_owners").actual == Fraction(2, 3)
    assert result.check("pass_area").actual == Fraction(3, 4)
    assert result.check("pass_owners").actual == Fraction(3, 4)
    assert result.passed


def test_quorum_area_just_under_two_thirds_fails():
    flats, ballot = boundary_unit(non_voter_area="25.01")

    result = evaluate_consent(flats, ballot, NATIONAL)

    assert [c.name for c in result.failed_checks] == ["quorum_area"]
    assert not result.passed


def test_agreeing_area_just_under_three_quarters_fails():
    flats, ballot = boundary_unit(last_agree_area="14.99", last_disagree_area="25.01")

    result = evaluate_consent(flats, ballot, NATIONAL)

    assert [c.name for c in result.failed_checks] == ["pass_area"]
    assert result.check("pass_area").rendered == "74.99/100.00 = 74.99%"


def test_quorum_headcount_just_under_two_thirds_fails():
    result = evaluate_consent(twelve_flats(), votes(agree=range(1, 8)), NATIONAL)

    assert {c.name for c in result.failed_checks} == {"quorum_area", "quorum_owners"}


def test_agreeing_headcount_just_under_three_quarters_fails():
    # 8 of 12 vote; 5 agree is 5/8 < 3/4, 6 agree is exactly 3/4.
    assert not evaluate_consent(
        twelve_flats(), votes(agree=range(1, 6), disagree=range(6, 9)), NATIONAL
    ).passed
    assert evaluate_consent(
        twelve_flats(), votes(agree=range(1, 7), disagree=range(7, 9)), NATIONAL
    ).passed


def test_ordinary_matter_exactly_half_is_not_a_majority():
    result = evaluate_consent(
        twelve_flats(), votes(agree=range(1, 5), disagree=range(5, 9)), NATIONAL, "ordinary"
    )

    assert result.check("pass_area").required == "> 1/2"
    assert {c.name for c in result.failed_checks} == {"pass_area", "pass_owners"}


def test_ordinary_matter_passes_with_more_than_half():
    result = evaluate_consent(
        twelve_flats(), votes(agree=range(1, 6), disagree=range(6, 9)), NATIONAL, "ordinary"
    )

    assert result.passed


# ---- who counts ----------------------------------------------------------------------


def test_abstention_takes_part_but_does_not_agree():
    ballot = votes(agree=range(1, 7), abstain=[7, 8])

    result = evaluate_consent(twelve_flats(), ballot, NATIONAL)

    assert (result.participating_owners, result.agreeing_owners) == (8, 6)
    assert result.participating_area == Decimal("400.00")
    assert result.check("pass_owners").actual == Fraction(3, 4)


def test_abstention_can_make_quorum_that_silence_would_miss():
    abstaining = evaluate_consent(
        twelve_flats(), votes(agree=range(1, 7), abstain=[7, 8]), NATIONAL
    )
    silent = evaluate_consent(twelve_flats(), votes(agree=range(1, 7)), NATIONAL)

    assert abstaining.passed
    assert [c.name for c in silent.failed_checks] == ["quorum_area", "quorum_owners"]


def test_abstention_lowers_the_agreeing_share_where_silence_would_not():
    flats = [flat(str(i)) for i in range(1, 10)]

    silent = evaluate_consent(flats, votes(agree=range(1, 7)), NATIONAL)
    abstaining = evaluate_consent(flats, votes(agree=range(1, 7), abstain=[7, 8, 9]), NATIONAL)

    assert silent.passed  # 6 of 9 take part, all 6 agree
    assert abstaining.check("pass_owners").rendered == "6/9 = 66.67%"
    assert not abstaining.passed


def test_owner_of_several_flats_counts_once_by_head_and_fully_by_area():
    flats = [flat("101", "60.00", owner="wang"), flat("102", "40.00", owner="wang"), flat("201")]

    result = evaluate_consent(flats, {"101": AGREE, "102": AGREE}, NATIONAL)

    assert result.scope_owners == 2
    assert (result.participating_owners, result.agreeing_owners) == (1, 1)
    assert result.agreeing_area == Decimal("100.00")


def test_owner_voting_differently_per_flat_agrees_by_head_only_if_all_voted_flats_agree():
    flats = [flat("101", "60.00", owner="wang"), flat("102", "40.00", owner="wang"), flat("201")]

    result = evaluate_consent(flats, {"101": AGREE, "102": DISAGREE, "201": AGREE}, NATIONAL)

    assert (result.participating_owners, result.agreeing_owners) == (2, 1)
    assert result.agreeing_area == Decimal("110.00")  # wang's 60 m² still agrees by area
    assert result.participating_area == Decimal("150.00")


def test_owner_abstaining_with_one_flat_does_not_agree_by_head():
    flats = [flat("101", owner="wang"), flat("102", owner="wang")]

    result = evaluate_consent(flats, {"101": AGREE, "102": ABSTAIN}, NATIONAL)

    assert (result.participating_owners, result.agreeing_owners) == (1, 0)


def test_owner_with_an_unvoted_flat_still_agrees_by_head_through_the_voted_one():
    flats = [flat("101", owner="wang"), flat("102", owner="wang")]

    result = evaluate_consent(flats, {"101": AGREE}, NATIONAL)

    assert (result.participating_owners, result.agreeing_owners) == (1, 1)
    assert result.participating_area == Decimal("50.00")


def test_unsold_developer_flats_together_count_as_one_owner():
    flats = [
        flat("101"),
        flat("102"),
        flat("201", owner="developer-a", is_unsold_developer_flat=True),
        flat("202", owner="developer-b", is_unsold_developer_flat=True),
        flat("301", owner="developer-a", is_unsold_developer_flat=True),
    ]

    result = evaluate_consent(flats, {"101": AGREE, "201": AGREE}, NATIONAL)

    assert result.scope_owners == 3
    assert result.participating_owners == 2
    assert result.scope_area == Decimal("250.00")


def test_developer_flats_do_not_merge_with_a_private_owner_of_the_same_id():
    flats = [flat("101", owner="acme"), flat("201", owner="acme", is_unsold_developer_flat=True)]

    assert evaluate_consent(flats, {}, NATIONAL).scope_owners == 2


def test_flat_without_a_vote_does_not_take_part():
    result = evaluate_consent(twelve_flats(), votes(agree=[1]), NATIONAL)

    assert (result.participating_flats, result.participating_owners) == (1, 1)
    assert result.participating_area == Decimal("50.00")


def test_nobody_voting_fails_every_check_without_dividing_by_zero():
    result = evaluate_consent(twelve_flats(), {}, NATIONAL)

    assert result.check("pass_area").rendered == "0/0 = 0.00%"
    assert len(result.failed_checks) == 4


# ---- veto ----------------------------------------------------------------------------


@pytest.mark.parametrize("choice", [DISAGREE, ABSTAIN, None])
def test_flat_whose_exclusive_part_the_lift_occupies_must_agree(choice):
    flats = [*twelve_flats()[:-1], flat("12", holds_veto=True)]
    ballot = votes(agree=range(1, 12)) | ({} if choice is None else {"12": choice})

    result = evaluate_consent(flats, ballot, NATIONAL)

    assert not result.failed_checks
    assert not result.passed
    assert [(v.flat_id, v.choice) for v in result.veto_failures] == [("12", choice)]
    assert "flat 12 holds a veto" in result.veto_failures[0].reason


def test_veto_holder_agreeing_lets_the_vote_pass():
    flats = [*twelve_flats()[:-1], flat("12", holds_veto=True)]

    assert evaluate_consent(flats, votes(agree=range(1, 13)), NATIONAL).passed


# ---- rulesets ------------------------------------------------------------------------


def test_city_rule_of_two_thirds_of_all_owners_fails_where_national_rule_passes():
    # 8 of 12 vote (quorum 2/3), 7 agree: 7/8 of voters, but only 7/12 of all owners.
    ballot = votes(agree=range(1, 8), disagree=[8])

    national = evaluate_consent(twelve_flats(), ballot, NATIONAL)
    nanjing = evaluate_consent(twelve_flats(), ballot, NANJING)

    assert national.passed
    assert not nanjing.passed
    assert [c.name for c in nanjing.failed_checks] == ["all_owners_area", "all_owners_owners"]
    assert (national.ruleset_id, nanjing.ruleset_id) == ("national-2021", "nanjing-2023")


# ---- bad input -----------------------------------------------------------------------


def test_vote_for_a_flat_outside_the_scope_is_refused():
    with pytest.raises(UnknownFlatError) as refused:
        evaluate_consent(twelve_flats(), {"999": AGREE}, NATIONAL)
    assert (refused.value.code, refused.value.params) == ("vote_flat_not_in_scope", {"flat": "999"})


def test_empty_scope_is_refused():
    with pytest.raises(EmptyScopeError):
        evaluate_consent([], {}, NATIONAL)


def test_unknown_vote_choice_is_refused():
    with pytest.raises(InvalidVoteError) as refused:
        evaluate_consent(twelve_flats(), {"1": "maybe"}, NATIONAL)
    assert refused.value.code == "invalid_vote" and refused.value.params["choice"] == "maybe"


@pytest.mark.parametrize("area", [Decimal("0"), Decimal("-1"), Decimal("NaN"), 50.0])
def test_flat_without_a_positive_decimal_area_is_refused(area):
    with pytest.raises(InvalidFlatError) as refused:
        evaluate_consent([FlatVoteInput("1", "o", area)], {}, NATIONAL)
    assert (refused.value.code, refused.value.params) == ("flat_area_positive", {"flat": "1"})


def test_flat_listed_twice_is_refused():
    with pytest.raises(InvalidFlatError) as refused:
        evaluate_consent([flat("1"), flat("1")], {}, NATIONAL)
    assert (refused.value.code, refused.value.params) == ("listed_twice", {"name": "1"})


def test_votes_given_as_plain_strings_count_like_choices():
    as_enum = evaluate_consent(twelve_flats(), votes(agree=range(1, 9)), NATIONAL)
    as_text = evaluate_consent(twelve_flats(), {str(i): "agree" for i in range(1, 9)}, NATIONAL)

    assert as_enum == as_text


# ---- the stored explanation ----------------------------------------------------------


def test_result_renders_each_ratio_with_its_arithmetic():
    flats = [flat("1", "412.50"), flat("2", "187.50")]

    result = evaluate_consent(flats, {"1": AGREE}, NATIONAL)

    check = result.check("quorum_area")
    assert check.rendered == "412.50/600.00 = 68.75%"
    assert (check.required, check.actual, check.passed) == ("≥ 2/3", Fraction(11, 16), True)
    assert result.check("quorum_owners").rendered == "1/2 = 50.00%"


def test_result_round_trips_through_json_safe_dict():
    flats = [*twelve_flats()[:-1], flat("12", "61.25", holds_veto=True)]
    result = evaluate_consent(flats, votes(agree=range(1, 8), abstain=[12]), NANJING)

    data = json.loads(json.dumps(result.to_dict()))

    assert ConsentResult.from_dict(data) == result
    assert data["failed_checks"] == ["all_owners_area", "all_owners_owners"]
    assert data["checks"][3]["actual"] == "7/8"  # pass_owners: 7 of 8 agree
    assert data["veto_failures"][0]["choice"] == "abstain"


def test_the_result_names_the_failed_threshold_and_the_catalogue_words_it_in_both_languages():
    result = evaluate_consent(twelve_flats(), votes(agree=range(1, 8), disagree=[8]), NANJING)

    assert result.ruleset_id == "nanjing-2023" and not result.passed
    failed = {c.name: (c.rendered, c.required) for c in result.failed_checks}
    assert failed["all_owners_owners"] == ("7/12 = 58.33%", "≥ 2/3")
    assert vocabulary("zh").label("consent_check", "all_owners_owners") == "同意人数占全体业主"
    assert vocabulary("en").label("consent_check", "all_owners_owners") == (
        "Agreeing share of all owners"
    )


# ---- properties ----------------------------------------------------------------------

choices = st.sampled_from([AGREE, DISAGREE, ABSTAIN, None])


@st.composite
def scopes(draw):
    size = draw(st.integers(1, 14))
    flats = [
        FlatVoteInput(
            flat_id=f"f{i}",
            owner_id=f"o{draw(st.integers(0, size))}",  # some owners hold several flats
            area=Decimal(draw(st.integers(1, 20000))) / 100,
            is_unsold_developer_flat=i % 5 == 4 and draw(st.booleans()),
            holds_veto=i == 0 and draw(st.booleans()),
        )
        for i in range(size)
    ]
    ballot = {f.flat_id: c for f in flats if (c := draw(choices)) is not None}
    ruleset = draw(st.sampled_from([NATIONAL, NANJING]))
    matter = draw(st.sampled_from(["alteration", "ordinary"]))
    return flats, ballot, ruleset, matter


@given(scopes(), st.data())
def test_an_added_agreement_never_turns_a_pass_into_a_fail(scope, data):
    flats, ballot, ruleset, matter = scope
    not_agreeing = [f.flat_id for f in flats if ballot.get(f.flat_id) is not AGREE]
    if not not_agreeing:
        return
    changed = data.draw(st.sampled_from(not_agreeing))

    before = evaluate_consent(flats, ballot, ruleset, matter)
    after = evaluate_consent(flats, ballot | {changed: AGREE}, ruleset, matter)

    assert after.passed or not before.passed
    for old, new in zip(before.checks, after.checks, strict=True):
        assert new.actual >= old.actual


@given(scopes(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_the_order_of_votes_or_flats(scope, rnd: random.Random):
    flats, ballot, ruleset, matter = scope
    items = list(ballot.items())
    rnd.shuffle(items)
    shuffled_flats = list(flats)
    rnd.shuffle(shuffled_flats)

    reordered = evaluate_consent(shuffled_flats, dict(items), ruleset, matter)

    assert reordered == evaluate_consent(flats, ballot, ruleset, matter)


@given(scopes())
def test_to_dict_is_json_safe_and_from_dict_restores_the_result(scope):
    result = evaluate_consent(*scope)

    assert ConsentResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result
