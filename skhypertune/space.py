"""Search spaces: ``param_distributions`` mapped to the unit cube and back.

Every searchable parameter becomes one coordinate in ``[0, 1]``:

* a scipy.stats frozen distribution ``d`` maps through its CDF and PPF
  (``u = d.cdf(x)``, ``x = d.ppf(u)``), so ``loguniform`` is searched on a log
  scale, ``randint`` yields integers and any scipy distribution works with no
  special case;
* a list, tuple or 1-d array is categorical: value ``i`` of ``k`` owns the
  interval ``[i / k, (i + 1) / k)``;
* any other object with an ``rvs`` method (which RandomizedSearchCV accepts)
  is searched through the empirical quantiles of a fixed sample of its draws.

A list of dicts is a conditional space: one extra categorical "branch"
coordinate picks the dict, and the coordinates of the other dicts are inactive
for that point (they are never decoded into parameters).
"""

from __future__ import annotations

import itertools
import math
import numbers
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import qmc
from scipy.stats._distn_infrastructure import rv_frozen, rv_generic
from sklearn.utils import check_random_state

__all__ = ["Dimension", "SearchSpace"]

# Continuous coordinates are kept this far inside the cube so that an
# unbounded distribution (``norm``) never decodes to an infinite value.
_EPS = 1e-9
# Draws taken from a distribution without cdf/ppf to build its quantiles.
_N_EMPIRICAL = 1024
# Integer distributions with at most this many values snap through a table of
# their CDF: a binary search, far cheaper than scipy's per-call overhead.
_MAX_CDF_TABLE = 100_000


@dataclass
class Dimension:
    """One coordinate of the unit cube.

    Attributes
    ----------
    name : str
        The estimator parameter it sets (``"branch"`` coordinates use
        ``"__branch__"``).
    kind : {"continuous", "integer", "categorical"}
        How strategies should treat the coordinate. ``"integer"`` means an
        ordered, discrete set of values (a discrete distribution).
    branch : int or None
        Index of the dict of a list-of-dicts space this coordinate belongs to,
        or None for the branch coordinate itself and for plain dict spaces.
    prior : object
        The distribution, list of values or sampler given by the user.
    n_levels : int or None
        Number of distinct values for categorical coordinates and for
        integer coordinates with finite support; None when unbounded.

    Examples
    --------
    >>> from scipy.stats import randint
    >>> from skhypertune import SearchSpace
    >>> dim = SearchSpace({"k": randint(1, 4)}).dimensions[0]
    >>> dim.kind, dim.n_levels, dim.decode(0.9), dim.encode(2)
    ('integer', 3, 3, 0.5)
    """

    name: str
    kind: str
    branch: int | None
    prior: Any = field(repr=False)
    n_levels: int | None = None
    # Private decoding helpers.
    _values: list | None = field(default=None, repr=False)
    _sample: np.ndarray | None = field(default=None, repr=False)
    _lo: float = field(default=-np.inf, repr=False)
    _hi: float = field(default=np.inf, repr=False)
    _table: Any = field(default=None, repr=False, compare=False)

    # -- decoding ---------------------------------------------------------
    def decode(self, u: float) -> Any:
        """Map a coordinate in [0, 1] to a parameter value."""
        u = float(min(max(u, 0.0), 1.0))
        if self._values is not None:
            k = len(self._values)
            return self._values[min(int(u * k), k - 1)]
        if self._sample is not None:
            idx = min(int(u * len(self._sample)), len(self._sample) - 1)
            return _to_python(self._sample[idx])
        if self.kind == "integer":
            u = min(max(u, _EPS), 1.0 - _EPS)
            x = self.prior.ppf(u)
            return int(np.clip(x, self._lo, self._hi))
        u = min(max(u, _EPS), 1.0 - _EPS)
        return float(self.prior.ppf(u))

    def encode(self, x: Any) -> float:
        """Map a parameter value to its coordinate in [0, 1].

        Raises
        ------
        ValueError
            If ``x`` is not a value this dimension can produce.
        """
        if self._values is not None:
            idx = _index_of(self._values, x)
            if idx is None:
                raise ValueError(
                    f"Value {x!r} of parameter {self.name!r} is not one of the "
                    f"listed values {self._values!r}."
                )
            return (idx + 0.5) / len(self._values)
        if self._sample is not None:
            pos = np.searchsorted(self._sample, x, side="left")
            pos2 = np.searchsorted(self._sample, x, side="right")
            if pos == pos2:
                pos = min(pos, len(self._sample) - 1)
                pos2 = pos + 1
            return float((pos + pos2) / 2.0 / len(self._sample))
        if not isinstance(x, numbers.Real) or isinstance(x, bool):
            raise ValueError(f"Value {x!r} of parameter {self.name!r} is not a number.")
        if self.kind == "integer":
            if x != math.floor(x) or not (self._lo <= x <= self._hi):
                raise ValueError(
                    f"Value {x!r} of parameter {self.name!r} is outside the "
                    "support of its distribution."
                )
            # The middle of the probability mass that decodes to x.
            lo = float(self.prior.cdf(x - 1))
            hi = float(self.prior.cdf(x))
            return min(max((lo + hi) / 2.0, 0.0), 1.0)
        if not (self._lo <= x <= self._hi):
            raise ValueError(
                f"Value {x!r} of parameter {self.name!r} is outside the "
                f"support [{self._lo}, {self._hi}] of its distribution."
            )
        return float(min(max(self.prior.cdf(x), _EPS), 1.0 - _EPS))

    def canonical(self, u: float) -> Any:
        """A hashable key identifying the value ``u`` decodes to."""
        if self._values is not None:
            k = len(self._values)
            return min(int(min(max(u, 0.0), 1.0) * k), k - 1)
        value = self.decode(u)
        if isinstance(value, float):
            return float(np.float32(value)) if math.isfinite(value) else value
        try:
            hash(value)
        except TypeError:
            return repr(value)
        return value

    def snap(self, u: float) -> float:
        """Move ``u`` to the representative coordinate of its value.

        That is the middle of the interval of coordinates that decode to the
        same value; continuous coordinates are only clipped to [0, 1].
        """
        return float(self.snap_many(np.array([u], dtype=float))[0])

    def snap_many(self, u: np.ndarray) -> np.ndarray:
        """:meth:`snap` of every element of a 1-d array, vectorised.

        Strategies snap thousands of candidates per proposal, so nothing here
        calls scipy per element: lists snap arithmetically, fixed samples and
        bounded integer distributions by binary search.
        """
        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        if self._values is not None:
            k = len(self._values)
            return (np.minimum((u * k).astype(int), k - 1) + 0.5) / k
        if self._sample is not None:
            # The sample is sorted; a value's cells are a contiguous run.
            n = len(self._sample)
            values = self._sample[np.minimum((u * n).astype(int), n - 1)]
            lo = np.searchsorted(self._sample, values, side="left")
            hi = np.searchsorted(self._sample, values, side="right")
            return (lo + hi) / 2.0 / n
        if self.kind != "integer":
            return u
        u = np.clip(u, _EPS, 1.0 - _EPS)
        table = self._cdf_table()
        if table is not None:
            # The PPF is the first value whose CDF reaches u.
            cdf, mids = table
            return mids[np.minimum(np.searchsorted(cdf, u, side="left"), len(cdf) - 1)]
        x = np.trunc(np.clip(self.prior.ppf(u), self._lo, self._hi))
        mids = (self.prior.cdf(x - 1) + self.prior.cdf(x)) / 2.0
        return np.clip(np.asarray(mids, dtype=float), 0.0, 1.0)

    def _cdf_table(self) -> tuple[np.ndarray, np.ndarray] | None:
        """CDF at every value and the coordinate of each value, when small."""
        if self._table is None:
            self._table = False
            if self.n_levels is not None and self.n_levels <= _MAX_CDF_TABLE:
                xs = np.arange(self._lo, self._hi + 1)
                with np.errstate(all="ignore"):
                    cdf = np.asarray(self.prior.cdf(xs), dtype=float)
                    below = np.asarray(self.prior.cdf(xs - 1), dtype=float)
                if cdf.shape == xs.shape and np.isfinite(cdf).all():
                    mids = np.clip((below + cdf) / 2.0, 0.0, 1.0)
                    self._table = (cdf, mids)
        return self._table or None


def _to_python(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    return x


def _index_of(values: list, x: Any) -> int | None:
    """Index of ``x`` in ``values``: identity first, then equality."""
    for i, v in enumerate(values):
        if v is x:
            return i
    for i, v in enumerate(values):
        try:
            same = v == x
            if isinstance(same, np.ndarray):
                same = bool(same.all()) and np.shape(v) == np.shape(x)
            if same and type(v) is not bool and type(x) is bool:
                same = False
            if same and type(x) is not bool and type(v) is bool:
                same = False
            if same:
                return i
        except Exception:
            continue
    return None


def _is_frozen(prior: Any) -> bool:
    return isinstance(prior, rv_frozen) or (
        hasattr(prior, "ppf")
        and hasattr(prior, "cdf")
        and hasattr(prior, "rvs")
        and hasattr(prior, "support")
    )


def _describe(prior: Any) -> str:
    """``randint(5, 5)`` for a frozen scipy distribution, else its repr."""
    dist = getattr(prior, "dist", None)
    if dist is None:
        return repr(prior)
    args = [repr(a) for a in getattr(prior, "args", ())]
    args += [f"{k}={v!r}" for k, v in getattr(prior, "kwds", {}).items()]
    return f"{dist.name}({', '.join(args)})"


# What scipy requires of the arguments of the distributions people search with.
_ARGUMENT_RULES = {
    "randint": "randint(low, high) needs low < high (high is excluded)",
    "loguniform": "loguniform(a, b) needs 0 < a < b",
    "reciprocal": "reciprocal(a, b) needs 0 < a < b",
    "uniform": "uniform(loc, scale) draws from [loc, loc + scale] and needs scale > 0",
}


def _argument_rule(prior: Any) -> str:
    name = getattr(getattr(prior, "dist", None), "name", "")
    return _ARGUMENT_RULES.get(
        name, "its scale must be > 0 and its shape parameters valid for scipy"
    )


def _is_discrete(prior: Any) -> bool:
    dist = getattr(prior, "dist", None)
    if dist is not None:
        from scipy.stats import rv_discrete

        return isinstance(dist, rv_discrete)
    # Duck-typed distributions: discrete when draws are integral.
    return False


def _make_dimension(name: str, prior: Any, branch: int | None, seed: int) -> Dimension:
    if not isinstance(name, str):
        raise TypeError(
            f"Parameter names in param_distributions must be strings, got "
            f"{name!r} of type {type(name).__name__}."
        )
    if isinstance(prior, type):
        raise TypeError(
            f"Parameter {name!r}: got the class {prior.__name__!r}; pass a "
            "distribution instance, e.g. scipy.stats.uniform(0, 1), or a list "
            "of values."
        )
    if isinstance(prior, rv_generic):
        if prior.numargs:
            raise TypeError(
                f"Parameter {name!r}: the distribution {prior.name!r} was passed "
                f"without its shape parameters ({prior.shapes}); call it with "
                f"them, e.g. scipy.stats.{prior.name}(...)."
            )
        # RandomizedSearchCV draws from an unfrozen distribution with its
        # default loc and scale (scipy.stats.norm is the standard normal).
        prior = prior()
    if isinstance(prior, (str, bytes)):
        raise TypeError(
            f"Parameter {name!r}: got the string {prior!r}; wrap single values "
            f"in a list, e.g. [{prior!r}]."
        )
    if _is_frozen(prior):
        lo, hi = (float(b) for b in prior.support())
        if math.isnan(lo) or math.isnan(hi) or hi < lo:
            raise ValueError(
                f"Parameter {name!r}: {_describe(prior)} has invalid arguments "
                f"(it has no values): {_argument_rule(prior)}."
            )
        if _is_discrete(prior):
            n_levels = int(hi - lo + 1) if math.isfinite(hi - lo) else None
            return Dimension(name, "integer", branch, prior, n_levels, _lo=lo, _hi=hi)
        median = float(prior.ppf(0.5))
        if math.isnan(median):
            raise ValueError(
                f"Parameter {name!r}: {_describe(prior)} has invalid arguments "
                f"(scipy gives it no quantiles): {_argument_rule(prior)}."
            )
        if not math.isfinite(median):
            raise ValueError(
                f"Parameter {name!r}: its distribution has no finite median; "
                "it cannot be searched."
            )
        return Dimension(name, "continuous", branch, prior, None, _lo=lo, _hi=hi)
    if isinstance(prior, np.ndarray):
        if prior.ndim != 1:
            raise ValueError(
                f"Parameter {name!r}: an array of values must be 1-dimensional, "
                f"got shape {prior.shape}."
            )
        values = [_to_python(v) if isinstance(v, np.generic) else v for v in prior]
    elif isinstance(prior, Sequence):
        values = list(prior)
    elif hasattr(prior, "rvs"):
        rng = np.random.RandomState(seed)
        try:
            draws = np.asarray(
                [prior.rvs(random_state=rng) for _ in range(_N_EMPIRICAL)]
            )
        except Exception as exc:
            raise ValueError(
                f"Parameter {name!r}: drawing from its distribution with "
                f"rvs(random_state=...) failed: {exc}"
            ) from exc
        if draws.ndim != 1 or draws.dtype.kind not in "iuf":
            values = []
            for d in draws:
                if _index_of(values, d) is None:
                    values.append(_to_python(d))
            return Dimension(
                name, "categorical", branch, prior, len(values), _values=values
            )
        draws = np.sort(draws)
        kind = "integer" if draws.dtype.kind in "iu" else "continuous"
        return Dimension(
            name,
            kind,
            branch,
            prior,
            None,
            _sample=draws,
            _lo=float(draws[0]),
            _hi=float(draws[-1]),
        )
    else:
        raise TypeError(
            f"Parameter {name!r}: expected a list, tuple or 1-d array of values "
            f"or a distribution with an rvs method (e.g. scipy.stats.uniform(0, 1)),"
            f" got {prior!r} of type {type(prior).__name__}."
        )
    if len(values) == 0:
        raise ValueError(
            f"Parameter {name!r}: the list of values is empty; give at least one."
        )
    return Dimension(name, "categorical", branch, prior, len(values), _values=values)


class SearchSpace:
    """The unit-cube encoding of a ``param_distributions``.

    Parameters
    ----------
    param_distributions : dict or list of dicts
        Anything :class:`~sklearn.model_selection.RandomizedSearchCV` accepts
        as ``param_distributions`` or :class:`~sklearn.model_selection.GridSearchCV`
        as ``param_grid``: parameter names mapped to scipy.stats frozen
        distributions, lists, tuples or 1-d arrays of values. A list of dicts
        is a conditional space; each dict is one branch.
    random_state : int, default=0
        Seed for the fixed sample drawn from distributions that have an ``rvs``
        method but no ``cdf``/``ppf``.

    Attributes
    ----------
    dimensions : list of Dimension
        One per coordinate; the first is the branch coordinate when there are
        several dicts.
    n_dims : int
        Number of coordinates.
    n_branches : int
        Number of dicts.

    Examples
    --------
    >>> from scipy.stats import loguniform
    >>> from skhypertune import SearchSpace
    >>> space = SearchSpace({"C": loguniform(1e-3, 1e3), "kernel": ["rbf", "linear"]})
    >>> space.n_dims
    2
    >>> space.decode([0.5, 0.75])
    {'C': 1.0..., 'kernel': 'linear'}
    >>> float(round(space.encode({"C": 1.0, "kernel": "rbf"})[0], 6))
    0.5
    """

    def __init__(self, param_distributions: Any, random_state: int = 0):
        if isinstance(param_distributions, Mapping):
            branches = [param_distributions]
        elif isinstance(param_distributions, (list, tuple)):
            branches = list(param_distributions)
            if not branches:
                raise ValueError(
                    "param_distributions is an empty list; give at least one dict."
                )
            for i, b in enumerate(branches):
                if not isinstance(b, Mapping):
                    raise TypeError(
                        f"param_distributions[{i}] must be a dict, got "
                        f"{type(b).__name__}."
                    )
        else:
            raise TypeError(
                "param_distributions must be a dict or a list of dicts, got "
                f"{type(param_distributions).__name__}."
            )
        self.param_distributions = param_distributions
        self.n_branches = len(branches)
        self._branches = branches
        dims: list[Dimension] = []
        if self.n_branches > 1:
            dims.append(
                Dimension(
                    "__branch__",
                    "categorical",
                    None,
                    None,
                    self.n_branches,
                    _values=list(range(self.n_branches)),
                )
            )
        self._branch_dims: list[list[int]] = []
        for b, branch in enumerate(branches):
            idx = []
            for j, (name, prior) in enumerate(branch.items()):
                try:
                    dim = _make_dimension(
                        name,
                        prior,
                        b if self.n_branches > 1 else None,
                        seed=random_state + 1000 * b + j,
                    )
                except (TypeError, ValueError) as exc:
                    if self.n_branches > 1 and isinstance(name, str):
                        raise type(exc)(
                            f"{exc} [in param_distributions[{b}]]"
                        ) from None
                    raise
                idx.append(len(dims))
                dims.append(dim)
            self._branch_dims.append(idx)
        self.dimensions = dims
        self.n_dims = len(dims)
        self._has_branch = self.n_branches > 1

    # -- structure --------------------------------------------------------
    @property
    def param_names(self) -> list[str]:
        """Sorted names of all parameters that any branch can set."""
        return sorted({d.name for d in self.dimensions if d.name != "__branch__"})

    def branch_of(self, u: np.ndarray) -> int:
        """The branch (dict index) a single point belongs to."""
        if not self._has_branch:
            return 0
        return int(self.dimensions[0].canonical(float(u[0])))

    def active_mask(self, U: np.ndarray) -> np.ndarray:
        """Boolean ``(n, d)`` array, True where a coordinate is used by its point."""
        U = np.atleast_2d(np.asarray(U, dtype=float))
        mask = np.ones(U.shape, dtype=bool)
        if not self._has_branch:
            return mask
        k = self.n_branches
        b = np.minimum((np.clip(U[:, 0], 0.0, 1.0) * k).astype(int), k - 1)
        for branch, idx in enumerate(self._branch_dims):
            rows = b == branch
            mask[np.ix_(rows, np.arange(1, U.shape[1]))] = False
            mask[np.ix_(rows, idx)] = True
        return mask

    def cardinality(self) -> float:
        """Number of distinct parameter sets, ``inf`` when any is continuous."""
        total = 0.0
        for idx in self._branch_dims:
            n = 1.0
            for j in idx:
                d = self.dimensions[j]
                if d.kind == "continuous" or d.n_levels is None:
                    return math.inf
                n *= d.n_levels
            total += n
        return total

    def is_grid(self) -> bool:
        """True when every parameter is a list of values (no distribution).

        scikit-learn's ``ParameterSampler`` then samples the grid without
        replacement, and evaluates all of it when ``n_iter`` covers it.
        """
        return all(
            not hasattr(d.prior, "rvs")
            for d in self.dimensions
            if d.name != "__branch__"
        )

    def grid(self) -> np.ndarray:
        """Every point of a list-only space, in ``ParameterGrid`` order.

        Dict by dict; within one, the product of the values over the sorted
        parameter names, the last name varying fastest.

        Raises
        ------
        ValueError
            If a parameter is a distribution (see :meth:`is_grid`).
        """
        if not self.is_grid():
            raise ValueError("The space has distributions; it is not a grid.")
        rows = []
        for b, idx in enumerate(self._branch_dims):
            dims = sorted(idx, key=lambda j: self.dimensions[j].name)
            levels = [range(self.dimensions[j].n_levels) for j in dims]
            for combo in itertools.product(*levels):
                u = np.full(self.n_dims, 0.5)
                for j, level in zip(dims, combo):
                    u[j] = (level + 0.5) / self.dimensions[j].n_levels
                if self._has_branch:
                    u[0] = (b + 0.5) / self.n_branches
                rows.append(u)
        return np.array(rows, dtype=float).reshape(len(rows), self.n_dims)

    # -- mapping ----------------------------------------------------------
    def decode(self, u: Any) -> dict:
        """Parameters for one point of the unit cube."""
        u = np.asarray(u, dtype=float).ravel()
        if u.shape[0] != self.n_dims:
            raise ValueError(
                f"Expected a point with {self.n_dims} coordinates, got {u.shape[0]}."
            )
        b = self.branch_of(u)
        # Sorted names, as scikit-learn's ParameterGrid and ParameterSampler
        # build their candidates.
        return {
            self.dimensions[j].name: self.dimensions[j].decode(u[j])
            for j in sorted(self._branch_dims[b], key=lambda j: self.dimensions[j].name)
        }

    def decode_many(self, U: Any) -> list[dict]:
        """Parameters for each row of ``U``."""
        return [self.decode(u) for u in np.atleast_2d(np.asarray(U, dtype=float))]

    def encode(self, params: Mapping) -> np.ndarray:
        """The unit-cube point of one parameter set (inactive coordinates at 0.5).

        Raises
        ------
        ValueError
            If no branch of the space can produce ``params``.
        """
        if not isinstance(params, Mapping):
            raise TypeError(
                f"Expected a dict of parameters, got {type(params).__name__}."
            )
        errors = []
        for b, idx in enumerate(self._branch_dims):
            names = {self.dimensions[j].name for j in idx}
            if set(params) != names:
                missing = sorted(names - set(params))
                extra = sorted(set(params) - names)
                errors.append(f"dict {b}: missing {missing}, unknown {extra}")
                continue
            u = np.full(self.n_dims, 0.5)
            try:
                for j in idx:
                    u[j] = self.dimensions[j].encode(params[self.dimensions[j].name])
            except ValueError as exc:
                errors.append(str(exc))
                continue
            if self._has_branch:
                u[0] = (b + 0.5) / self.n_branches
            return u
        raise ValueError(
            f"Parameters {dict(params)!r} do not fit the search space: "
            + "; ".join(errors)
        )

    def key(self, u: Any) -> tuple:
        """Hashable identity of the parameter set a point decodes to."""
        u = np.asarray(u, dtype=float).ravel()
        b = self.branch_of(u)
        return (b,) + tuple(
            self.dimensions[j].canonical(u[j]) for j in self._branch_dims[b]
        )

    def snap(self, U: Any) -> np.ndarray:
        """Move points onto the representative coordinates of their values.

        Categorical, integer and sampled (``rvs``-only) coordinates go to the
        middle of the interval that decodes to their value, continuous ones
        are clipped to [0, 1]; inactive coordinates go to 0.5.
        """
        U = np.array(np.atleast_2d(U), dtype=float)
        for j, d in enumerate(self.dimensions):
            U[:, j] = d.snap_many(U[:, j])
        U[~self.active_mask(U)] = 0.5
        return U

    @staticmethod
    def point_key(u: np.ndarray) -> bytes:
        """Identity of a :meth:`snap`-ped point, without decoding it.

        Snapped points that decode to the same parameter set have the same
        coordinates, so the rounded coordinates identify it; strategies use
        this instead of the slower :meth:`key` when checking thousands of
        candidates. (Two continuous values closer than 1e-12 count as one.)
        """
        return np.round(np.asarray(u, dtype=float), 12).tobytes()

    def sample(
        self, n: int, random_state: Any = None, *, method: str = "sobol"
    ) -> np.ndarray:
        """Draw ``n`` space-filling points (snapped) from the unit cube.

        Parameters
        ----------
        n : int
            Number of points.
        random_state : int, RandomState instance or None
            Seed for the scrambling of the low-discrepancy sequence.
        method : {"sobol", "halton", "lhs", "random"}, default="sobol"
            The design. ``"random"`` is plain uniform sampling.
        """
        rng = check_random_state(random_state)
        if n <= 0:
            return np.empty((0, self.n_dims))
        seed = int(rng.randint(np.iinfo(np.int32).max))
        if method == "random":
            U = np.random.default_rng(seed).random((n, self.n_dims))
        else:
            if method == "sobol":
                engine = qmc.Sobol(self.n_dims, scramble=True, seed=seed)
            elif method == "halton":
                engine = qmc.Halton(self.n_dims, scramble=True, seed=seed)
            elif method == "lhs":
                engine = qmc.LatinHypercube(self.n_dims, seed=seed)
            else:
                raise ValueError(f"Unknown sampling method {method!r}.")
            with warnings.catch_warnings():
                # Sobol prefers powers of two; the first n points of a
                # scrambled sequence are still well spread.
                warnings.simplefilter("ignore", UserWarning)
                U = engine.random(n)
        return self.snap(U)

    def __repr__(self) -> str:
        return f"SearchSpace({self.param_distributions!r})"
