"""The pure rung planner: schedules of successive halving and Hyperband."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skhypertune.strategies.halving import (
    n_kept,
    plan_halving,
    plan_hyperband,
    rung_counts,
)


def test_plan_halving_known_schedule():
    # 30 candidates, factor 3, resources 10..1000: ceil-division of the
    # candidates, resources multiplied by 3.
    plan = plan_halving(30, factor=3, min_resources=10, max_resources=1000)
    assert plan.n_candidates == (30, 10, 4, 2)
    assert plan.n_resources == (10, 30, 90, 270)
    assert plan.n_required_iterations == 4
    assert plan.n_possible_iterations == 5
    assert plan.n_iterations == 4
    assert plan.n_remaining_candidates == 1
    assert plan.total_resources == 30 * 10 + 10 * 30 + 4 * 90 + 2 * 270


def test_plan_halving_limited_by_resources():
    # Only two iterations fit between 20 and 100 with factor 3.
    plan = plan_halving(50, factor=3, min_resources=20, max_resources=100)
    assert plan.n_possible_iterations == 2
    assert plan.n_iterations == 2
    assert plan.n_candidates == (50, 17)
    assert plan.n_remaining_candidates == 6


def test_aggressive_elimination_repeats_first_resource():
    plan = plan_halving(
        50, factor=3, min_resources=20, max_resources=100, aggressive_elimination=True
    )
    # 1 + floor(log3(50)) = 4 iterations, the first 3 at the first resource.
    assert plan.n_iterations == 4
    assert plan.n_resources == (20, 20, 20, 60)
    assert plan.n_candidates == (50, 17, 6, 2)
    assert plan.n_candidates[-1] < 3


def test_exhaust_min_resources():
    plan = plan_halving(
        9, factor=3, min_resources=4, max_resources=1000, exhaust_min_resources=True
    )
    # Three required iterations: the first gets 1000 // 3**2 = 111.
    assert plan.min_resources == 111
    assert plan.n_resources == (111, 333, 999)


def test_float_log_matches_scikit_learn():
    # math.log(243, 3) is 4.999...; scikit-learn floors it to 4 and so do we.
    plan = plan_halving(243, factor=3, min_resources=1, max_resources=10**6)
    assert plan.n_required_iterations == 1 + math.floor(math.log(243, 3))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"factor": 1}, "factor must be greater than 1"),
        ({"factor": 0.5}, "factor must be greater than 1"),
        ({"n_candidates": 0}, "n_candidates must be at least 1"),
        ({"min_resources": 0}, "min_resources must be at least 1"),
        ({"min_resources": 200}, "is greater than max_resources_"),
    ],
)
def test_plan_halving_errors(kwargs, match):
    args = {"n_candidates": 10, "factor": 3, "min_resources": 10, "max_resources": 100}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        plan_halving(args.pop("n_candidates"), **args)


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(1, 500),
    factor=st.sampled_from([1.5, 2, 3, 4]),
    min_r=st.integers(1, 50),
    span=st.integers(1, 2000),
    exhaust=st.booleans(),
    aggressive=st.booleans(),
)
def test_plan_halving_properties(n, factor, min_r, span, exhaust, aggressive):
    max_r = min_r + span - 1
    plan = plan_halving(
        n,
        factor=factor,
        min_resources=min_r,
        max_resources=max_r,
        exhaust_min_resources=exhaust,
        aggressive_elimination=aggressive,
    )
    assert len(plan.n_candidates) == len(plan.n_resources) == plan.n_iterations >= 1
    assert plan.n_candidates[0] == n
    for a, b in zip(plan.n_candidates, plan.n_candidates[1:]):
        assert b == math.ceil(a / factor)
    assert list(plan.n_resources) == sorted(plan.n_resources)
    assert plan.n_resources[0] >= plan.min_resources >= min_r
    assert plan.n_resources[-1] <= max_r
    if aggressive:
        # scikit-learn's rule: as many iterations as needed to get below
        # `factor` candidates (with ceil division, up to `factor` remain),
        # the resource counted back from the last possible iteration.
        assert plan.n_iterations == plan.n_required_iterations
    else:
        assert plan.n_resources[0] == plan.min_resources
        assert plan.n_iterations == min(
            plan.n_required_iterations, plan.n_possible_iterations
        )


def test_hyperband_classic_brackets():
    # Li et al.'s example shape: eta=3, R=81, r=1 gives 5 brackets.
    plans = plan_hyperband(factor=3, min_resources=1, max_resources=81)
    assert [p.n_candidates[0] for p in plans] == [81, 34, 15, 8, 5]
    assert [p.n_resources[0] for p in plans] == [1, 3, 9, 27, 81]
    assert all(p.n_resources[-1] == 81 for p in plans)
    assert plans[0].n_candidates == (81, 27, 9, 3, 1)
    assert plans[-1].n_candidates == (5,)


def test_hyperband_n_brackets_keeps_most_exploratory():
    plans = plan_hyperband(factor=3, min_resources=1, max_resources=81, n_brackets=2)
    assert [p.n_resources[0] for p in plans] == [1, 3]
    assert (
        len(plan_hyperband(factor=3, min_resources=1, max_resources=81, n_brackets=99))
        == 5
    )


@settings(max_examples=100, deadline=None)
@given(
    factor=st.sampled_from([2, 3, 4]),
    min_r=st.integers(1, 30),
    ratio=st.integers(1, 300),
)
def test_hyperband_properties(factor, min_r, ratio):
    max_r = min_r * ratio
    plans = plan_hyperband(factor=factor, min_resources=min_r, max_resources=max_r)
    assert len(plans) >= 1
    levels = set()
    for p in plans:
        assert p.n_resources[0] >= min_r
        assert p.n_resources[-1] == max_r
        assert all(c >= 1 for c in p.n_candidates)
        levels.update(p.n_resources)
    # Brackets share resource levels: at most one level per possible rung.
    assert len(levels) == len(plans)
    # The most exploratory bracket starts the most candidates.
    assert plans[0].n_candidates[0] == max(p.n_candidates[0] for p in plans)


def test_hyperband_errors():
    with pytest.raises(ValueError, match="factor"):
        plan_hyperband(factor=1, min_resources=1, max_resources=10)
    with pytest.raises(ValueError, match="min_resources"):
        plan_hyperband(factor=3, min_resources=20, max_resources=10)
    with pytest.raises(ValueError, match="n_brackets"):
        plan_hyperband(factor=3, min_resources=1, max_resources=10, n_brackets=0)


def test_rung_counts_and_n_kept():
    assert rung_counts(10, 3, 4) == [10, 4, 2, 1]
    assert n_kept(7, 2) == 4
    assert n_kept(1, 2) == 1
