"""SearchSpace: encoding, decoding, sampling and errors."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC
from sklearn.utils import check_random_state

from skhypertune.space import SearchSpace

from conftest import RvsOnly

# A menu of priors a RandomizedSearchCV user writes, with a membership test.
_PRIORS = {
    "loguniform": (stats.loguniform(1e-4, 1e2), lambda x: 1e-4 <= x <= 1e2),
    "uniform": (stats.uniform(-2, 5), lambda x: -2 <= x <= 3),
    "norm": (stats.norm(1.0, 2.0), lambda x: math.isfinite(x)),
    "expon": (stats.expon(scale=3), lambda x: 0 <= x < math.inf),
    "beta": (stats.beta(2, 5), lambda x: 0 <= x <= 1),
    "randint": (
        stats.randint(3, 17),
        lambda x: isinstance(x, int) and 3 <= x <= 16,
    ),
    "poisson": (stats.poisson(4), lambda x: isinstance(x, int) and x >= 0),
    "geom": (stats.geom(0.3), lambda x: isinstance(x, int) and x >= 1),
    "strings": (["rbf", "linear", "poly"], lambda x: x in ("rbf", "linear", "poly")),
    "mixed": ((None, True, 3, "auto"), lambda x: x in (None, True, 3, "auto")),
    "array": (np.array([0.1, 0.5, 0.9]), lambda x: x in (0.1, 0.5, 0.9)),
    "bools": ([True, False], lambda x: x in (True, False)),
}

unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@st.composite
def spaces(draw):
    names = draw(
        st.lists(st.sampled_from(sorted(_PRIORS)), min_size=1, max_size=5, unique=True)
    )
    return {n: _PRIORS[n][0] for n in names}


@settings(max_examples=60, deadline=None)
@given(spaces(), st.data())
def test_decoded_points_lie_in_support(dists, data):
    space = SearchSpace(dists)
    u = [data.draw(unit) for _ in range(space.n_dims)]
    params = space.decode(u)
    assert set(params) == set(dists)
    for name, value in params.items():
        assert _PRIORS[name][1](value), (name, value)


@settings(max_examples=60, deadline=None)
@given(spaces(), st.data())
def test_encode_decode_roundtrip(dists, data):
    space = SearchSpace(dists)
    u = [data.draw(unit) for _ in range(space.n_dims)]
    params = space.decode(u)
    again = space.decode(space.encode(params))
    for name, value in params.items():
        if isinstance(value, float):
            assert again[name] == pytest.approx(value, rel=1e-6, abs=1e-9)
        else:
            assert again[name] == value and type(again[name]) is type(value)


@settings(max_examples=30, deadline=None)
@given(spaces(), st.integers(0, 2**31 - 1), st.integers(1, 20))
def test_sampling_is_deterministic_and_snapped(dists, seed, n):
    space = SearchSpace(dists)
    a = space.sample(n, seed)
    b = space.sample(n, seed)
    assert a.shape == (n, space.n_dims)
    np.testing.assert_array_equal(a, b)
    assert ((a >= 0) & (a <= 1)).all()
    np.testing.assert_array_equal(space.snap(a), a)


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_conditional_space_decodes_only_its_branch(data):
    grid = [
        {"kernel": ["linear"], "C": stats.loguniform(1e-2, 1e2)},
        {"kernel": ["rbf"], "C": stats.loguniform(1e-2, 1e2), "gamma": [0.1, 1.0]},
        {"kernel": ["poly"], "degree": stats.randint(2, 5)},
    ]
    space = SearchSpace(grid)
    assert space.n_branches == 3
    assert space.dimensions[0].name == "__branch__"
    u = np.array([data.draw(unit) for _ in range(space.n_dims)])
    params = space.decode(u)
    branch = space.branch_of(u)
    assert set(params) == set(grid[branch])
    mask = space.active_mask(u)[0]
    assert mask.sum() == len(grid[branch]) + 1
    snapped = space.snap(u)[0]
    assert (snapped[~mask] == 0.5).all()
    np.testing.assert_allclose(space.encode(params)[mask], snapped[mask], atol=1e-9)


_SNAP_PRIORS = {
    "randint": lambda: stats.randint(3, 17),
    "bigint": lambda: stats.randint(0, 200_000),  # too many values for a table
    "poisson": lambda: stats.poisson(4),  # unbounded
    "uniform": lambda: stats.uniform(-2, 5),
    "strings": lambda: ["rbf", "linear", "poly"],
    "single": lambda: ["only"],
    "sampled": lambda: RvsOnly(integer=False),
    "sampled_int": lambda: RvsOnly(integer=True, high=5),
}


@st.composite
def snap_spaces(draw):
    """Plain and conditional spaces with every way a coordinate snaps."""
    branches = []
    for b in range(draw(st.integers(1, 3))):
        kinds = draw(st.lists(st.sampled_from(sorted(_SNAP_PRIORS)), max_size=4))
        branches.append({f"p{b}_{i}": _SNAP_PRIORS[k]() for i, k in enumerate(kinds)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the rvs-only samplers warn
        return SearchSpace(branches[0] if len(branches) == 1 else branches)


def _snap_one_by_one(space, U):
    """The definition of snapping, one coordinate at a time through decoding."""
    out = np.array(U, dtype=float)
    for row in out:
        active = [0] + space._branch_dims[space.branch_of(row)]
        for j, d in enumerate(space.dimensions):
            if j not in active and space.n_branches > 1:
                row[j] = 0.5
            elif d.kind == "continuous" and d._sample is None:
                row[j] = min(max(row[j], 0.0), 1.0)
            else:
                row[j] = d.encode(d.decode(row[j]))
    return out


@settings(max_examples=40, deadline=None)
@given(snap_spaces(), st.integers(0, 2**16))
def test_vectorised_snap_matches_decoding_one_by_one(space, seed):
    rng = np.random.RandomState(seed)
    U = rng.rand(40, space.n_dims)
    U[:5] = rng.choice([0.0, 1.0], size=U[:5].shape)  # the edges of the cube
    snapped = space.snap(U)
    np.testing.assert_allclose(snapped, _snap_one_by_one(space, U), atol=1e-12)
    np.testing.assert_array_equal(space.snap(snapped), snapped)
    assert [space.key(u) for u in snapped] == [space.key(u) for u in U]
    # Equal parameter sets have equal point keys, different ones different.
    same_params = [space.key(u) for u in snapped]
    keys = [space.point_key(u) for u in snapped]
    for i in range(len(U)):
        for j in range(i):
            assert (keys[i] == keys[j]) == (same_params[i] == same_params[j])
    mask = space.active_mask(U)
    if space.n_branches == 1:
        assert mask.all()
    for row, m in zip(U, mask):
        if space.n_branches > 1:
            expected = np.zeros(space.n_dims, bool)
            expected[[0] + space._branch_dims[space.branch_of(row)]] = True
            np.testing.assert_array_equal(m, expected)


def test_loguniform_is_searched_on_log_scale():
    space = SearchSpace({"C": stats.loguniform(1e-3, 1e3)})
    assert space.decode([0.5])["C"] == pytest.approx(1.0)
    assert space.decode([0.25])["C"] == pytest.approx(10**-1.5)


def test_categorical_cells_and_estimator_values():
    lr, svc = LogisticRegression(), SVC()
    space = SearchSpace({"clf": [lr, svc], "n": [1, 2, 3, 4]})
    assert space.decode([0.1, 0.0])["clf"] is lr
    assert space.decode([0.9, 1.0]) == {"clf": svc, "n": 4}
    assert space.encode({"clf": svc, "n": 2}).tolist() == [0.75, 0.375]
    assert space.cardinality() == 8


def test_integer_values_are_python_ints():
    space = SearchSpace({"k": stats.randint(1, 4)})
    values = {space.decode([u])["k"] for u in np.linspace(0, 1, 101)}
    assert values == {1, 2, 3}
    assert all(type(v) is int for v in values)
    assert space.cardinality() == 3


def test_key_identifies_decoded_values():
    space = SearchSpace({"a": [1, 2], "c": stats.uniform(0, 1)})
    assert space.key([0.1, 0.3]) == space.key([0.4, 0.3])
    assert space.key([0.1, 0.3]) != space.key([0.6, 0.3])
    assert space.cardinality() == math.inf


def test_duck_typed_distribution_uses_empirical_quantiles():
    class Choice:
        def rvs(self, random_state=None):
            return check_random_state(random_state).choice([2, 4, 8])

    space = SearchSpace({"w": Choice()})
    values = {space.decode([u])["w"] for u in np.linspace(0, 1, 50)}
    assert values == {2, 4, 8}


@pytest.mark.parametrize(
    "dists, exc, fragment",
    [
        ({"C": []}, ValueError, "'C'"),
        ({"C": stats.loguniform}, TypeError, "'C'.*shape parameters"),
        ({"C": stats.randint(5, 5)}, ValueError, "'C'.*low < high"),
        ({"C": stats.loguniform(10, 1)}, ValueError, "'C'.*0 < a < b"),
        ({"C": stats.uniform(0, 0)}, ValueError, "'C'.*scale > 0"),
        ({"C": type(stats.norm)}, TypeError, "'C'.*class"),
        ({"C": 3.0}, TypeError, "'C'"),
        ({"C": "rbf"}, TypeError, "'C'"),
        ({"C": np.ones((2, 2))}, ValueError, "'C'"),
        ({1: [1, 2]}, TypeError, "names"),
        ([], ValueError, "empty"),
        ([{"a": [1]}, 3], TypeError, "param_distributions[1]"),
        ("C", TypeError, "dict or a list of dicts"),
        ([{"a": [1]}, {"b": []}], ValueError, "'b'"),
    ],
)
def test_invalid_spaces_raise_naming_the_parameter(dists, exc, fragment):
    with pytest.raises(exc) as info:
        SearchSpace(dists)
    for part in fragment.split(".*"):
        assert part in str(info.value)


@pytest.mark.parametrize("dist", [stats.norm, stats.uniform, stats.expon])
def test_unfrozen_distribution_is_searched_with_its_defaults(dist):
    """RandomizedSearchCV draws from scipy.stats.norm itself; so do we."""
    space = SearchSpace({"a": dist})
    frozen = dist()
    assert space.decode([0.5])["a"] == pytest.approx(frozen.ppf(0.5))
    assert space.decode([0.9])["a"] == pytest.approx(frozen.ppf(0.9))


def test_encode_rejects_values_outside_the_space():
    space = SearchSpace({"C": stats.loguniform(1e-3, 1e3), "k": ["a", "b"]})
    with pytest.raises(ValueError, match="'C'"):
        space.encode({"C": 1e6, "k": "a"})
    with pytest.raises(ValueError, match="'k'"):
        space.encode({"C": 1.0, "k": "z"})
    with pytest.raises(ValueError, match="missing"):
        space.encode({"C": 1.0})
