"""Properties of the evolutionary ask/tell strategy, on plain functions."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.stats import loguniform, randint, uniform

from skhypertune.space import SearchSpace
from skhypertune.strategies import RandomStrategy
from skhypertune.strategies.evolution import EvolutionStrategy

FAST = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


# -- spaces and helpers -----------------------------------------------------
@st.composite
def spaces(draw):
    """Dict or list-of-dicts spaces mixing every kind of coordinate."""

    def branch(prefix):
        n = draw(st.integers(1, 4))
        out = {}
        for i in range(n):
            kind = draw(st.sampled_from(["uniform", "log", "int", "cat", "bool"]))
            name = f"{prefix}{i}"
            if kind == "uniform":
                out[name] = uniform(-1, 3)
            elif kind == "log":
                out[name] = loguniform(1e-3, 1e2)
            elif kind == "int":
                out[name] = randint(0, draw(st.integers(1, 30)))
            elif kind == "cat":
                out[name] = ["a", "b", "c", None][: draw(st.integers(1, 4))]
            else:
                out[name] = [True, False]
        return out

    if draw(st.booleans()):
        return SearchSpace(branch("p"))
    return SearchSpace([branch(f"b{b}_") for b in range(draw(st.integers(2, 3)))])


def run(strategy, space, objective, budget, batch):
    """A minimal search loop: ask, drop already seen points, evaluate, tell."""
    seen, best, n = set(), -np.inf, 0
    while n < budget:
        U = space.snap(strategy.ask(min(batch, budget - n)))
        U = np.array([u for u in U if space.key(u) not in seen])
        if len(U) == 0:
            break
        seen.update(space.key(u) for u in U)
        y = np.array([objective(p) for p in space.decode_many(U)])
        strategy.tell(U, y)
        best = max(best, np.nanmax(np.append(y, -np.inf)))
        n += len(U)
    return best


def sphere_space():
    return SearchSpace({f"x{i}": uniform(0, 1) for i in range(4)})


def sphere(p):
    centre = [0.2, 0.7, 0.45, 0.9]
    return -sum((p[f"x{i}"] - c) ** 2 for i, c in enumerate(centre))


def mixed_space():
    return SearchSpace(
        {
            "kind": ["w", "x", "y", "z"],
            "a": uniform(0, 1),
            "b": loguniform(1e-4, 1),
            "n": randint(1, 40),
        }
    )


def mixed(p):
    offset = {"w": -0.4, "x": 0.0, "y": -0.2, "z": -0.6}[p["kind"]]
    return (
        offset
        - (p["a"] - 0.8) ** 2
        - 0.05 * (np.log10(p["b"]) + 1) ** 2
        - 0.0005 * (p["n"] - 17) ** 2
    )


# -- properties -------------------------------------------------------------
@FAST
@given(space=spaces(), seed=st.integers(0, 2**16), nan_rate=st.floats(0, 1))
def test_offspring_lie_in_the_cube_and_are_snapped(space, seed, nan_rate):
    rng = np.random.RandomState(seed)
    strategy = EvolutionStrategy(space, rng, population_size=5, elitism=1)
    for _ in range(4):
        U = strategy.ask(5)
        assert U.shape == (5, space.n_dims)
        assert np.all((U >= 0) & (U <= 1))
        np.testing.assert_array_equal(space.snap(U), U)
        for params in space.decode_many(U):
            space.encode(params)  # every child decodes to a valid parameter set
        scores = rng.randn(5)
        scores[rng.rand(5) < nan_rate] = np.nan
        strategy.tell(U, scores)


@FAST
@given(
    space=spaces(),
    seed=st.integers(0, 2**16),
    elitism=st.integers(1, 3),
    scores_seed=st.integers(0, 2**16),
)
def test_elitism_never_loses_the_best(space, seed, elitism, scores_seed):
    strategy = EvolutionStrategy(
        space, np.random.RandomState(seed), population_size=4, elitism=elitism
    )
    score_rng = np.random.RandomState(scores_seed)
    for _ in range(5):
        U = strategy.ask(4)
        scores = score_rng.randn(len(U))
        scores[score_rng.rand(len(U)) < 0.2] = np.nan
        strategy.tell(U, scores)
        strategy.ask(1)  # the pool is rebuilt from what was told
        fitness = np.where(np.isnan(strategy.y_), -np.inf, strategy.y_)
        if np.isfinite(fitness).any():
            best = fitness.max()
            assert best in fitness[strategy.pool_]
            # and the elites are the top `elitism` points ever seen
            top = np.sort(fitness)[::-1][:elitism]
            assert np.all(np.isin(top, fitness[strategy.pool_]))


@FAST
@given(space=spaces(), seed=st.integers(0, 2**16), n_told=st.integers(0, 12))
def test_nan_scores_never_crash(space, seed, n_told):
    rng = np.random.RandomState(seed)
    strategy = EvolutionStrategy(space, rng, population_size=4, elitism=1)
    strategy.tell(space.sample(n_told, rng), np.full(n_told, np.nan))
    U = strategy.ask(4)
    strategy.tell(U, [np.nan, np.inf, -np.inf, np.nan])
    U = strategy.ask(4)
    assert np.all((U >= 0) & (U <= 1))
    # one success among failures makes it the only parent worth breeding from
    strategy.tell(U[:1], [1.0])
    assert strategy.ask(4).shape == (4, space.n_dims)


@FAST
@given(space=spaces(), seed=st.integers(0, 2**16))
def test_same_seed_same_proposals(space, seed):
    def trace(s):
        rng = np.random.RandomState(s)
        strategy = EvolutionStrategy(space, rng, population_size=4, elitism=1)
        out = []
        for g in range(3):
            U = strategy.ask(4)
            out.append(U)
            strategy.tell(U, np.sin(U.sum(axis=1) * 7 + g))
        return np.vstack(out)

    np.testing.assert_array_equal(trace(seed), trace(seed))


@FAST
@given(space=spaces(), seed=st.integers(0, 2**16))
def test_tell_accepts_points_it_did_not_propose(space, seed):
    rng = np.random.RandomState(seed)
    strategy = EvolutionStrategy(space, rng, population_size=4, elitism=1)
    foreign = space.sample(7, rng, method="random")
    strategy.tell(foreign, rng.randn(7))
    U = strategy.ask(4)
    strategy.tell(np.vstack([U, foreign[:2]]), rng.randn(6))
    assert strategy.ask(3).shape == (3, space.n_dims)
    assert len(strategy.y_) == 13


def test_proposals_avoid_evaluated_points():
    # 4 * 3 * 5 = 60 parameter sets: without repair a GA repeats itself a lot.
    space = SearchSpace({"a": list("abcd"), "b": [1, 2, 3], "c": randint(0, 5)})
    rng = np.random.RandomState(0)
    strategy = EvolutionStrategy(space, rng, population_size=6, elitism=2)
    seen, repeats, proposed = set(), 0, 0
    for _ in range(7):
        U = strategy.ask(6)
        keys = [space.key(u) for u in U]
        repeats += sum(k in seen for k in keys) + len(keys) - len(set(keys))
        proposed += len(keys)
        seen.update(keys)
        strategy.tell(U, -np.abs(U - 0.3).sum(axis=1))
    assert proposed == 42
    assert repeats <= 1


def test_tell_rejects_mismatched_lengths():
    strategy = EvolutionStrategy(sphere_space(), np.random.RandomState(0))
    with pytest.raises(ValueError, match="3 points but 2 scores"):
        strategy.tell(np.full((3, 4), 0.5), [1.0, 2.0])


def test_first_generation_is_space_filling():
    space = sphere_space()
    U = EvolutionStrategy(space, np.random.RandomState(0)).ask(16)
    # a scrambled Sobol design puts exactly 8 of 16 points in each half
    for j in range(space.n_dims):
        assert (U[:, j] < 0.5).sum() == 8


def test_steps_shrink_as_the_pool_converges():
    space = sphere_space()
    strategy = EvolutionStrategy(
        space, np.random.RandomState(0), population_size=8, step_rule="spread"
    )
    U = strategy.ask(8)
    strategy.tell(U, [sphere(p) for p in space.decode_many(U)])
    strategy.ask(1)
    wide = strategy._steps(strategy._fitness())
    run(strategy, space, sphere, 80, 8)
    strategy.ask(1)
    narrow = strategy._steps(strategy._fitness())
    assert np.all(narrow < wide / 3)


@pytest.mark.parametrize(
    "make_space, objective, budget, margin",
    [(sphere_space, sphere, 60, 0.5), (mixed_space, mixed, 60, 0.5)],
    ids=["sphere", "categorical+continuous"],
)
def test_converges_faster_than_random_sampling(make_space, objective, budget, margin):
    space = make_space()
    gaps_evo, gaps_random = [], []
    for seed in range(6):
        evo = EvolutionStrategy(space, np.random.RandomState(seed), population_size=8)
        rnd = RandomStrategy(space, np.random.RandomState(seed))
        # both optima are 0: the gap is minus the best value found
        gaps_evo.append(-run(evo, space, objective, budget, 8))
        gaps_random.append(-run(rnd, space, objective, budget, 8))
    # the evolutionary search ends at least twice as close to the optimum
    assert np.mean(gaps_evo) < margin * np.mean(gaps_random), (
        np.mean(gaps_evo),
        np.mean(gaps_random),
    )
    assert np.median(gaps_evo) < margin * np.median(gaps_random)


def test_unknown_step_rule():
    with pytest.raises(ValueError, match="step_rule"):
        EvolutionStrategy(sphere_space(), np.random.RandomState(0), step_rule="x")
