"""Rung planning for successive halving and Hyperband.

Pure arithmetic: how many candidates run at which resource in each iteration
("rung") of successive halving, and which brackets Hyperband runs. No
estimator, cross-validation or randomness in here; the searches in
:mod:`skhypertune.halving` follow these plans.

:func:`plan_halving` reproduces scikit-learn's ``HalvingRandomSearchCV``
schedule exactly (``n_candidates_``, ``n_resources_``, ``n_iterations_``,
``n_possible_iterations_``, ``n_required_iterations_``, ``min_resources_``),
including its floating-point use of ``math.log(x, factor)``, so that the two
searches run the same iterations for the same settings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["HalvingPlan", "n_kept", "plan_halving", "plan_hyperband", "rung_counts"]


@dataclass(frozen=True)
class HalvingPlan:
    """The iterations of one successive-halving run.

    Attributes
    ----------
    n_candidates : tuple of int
        Candidates evaluated in each iteration (the first is the number sampled).
    n_resources : tuple of int
        Resource given to every candidate in each iteration.
    n_remaining_candidates : int
        Candidates kept after the last iteration (``ceil(last / factor)``).
    min_resources : int
        Resource of the first iteration after resolving ``'exhaust'``.
    max_resources : int
        Largest resource any candidate may get.
    n_iterations : int
        Iterations actually run.
    n_possible_iterations : int
        Iterations possible from ``min_resources`` without exceeding
        ``max_resources``.
    n_required_iterations : int
        Iterations needed to end with fewer than ``factor`` candidates.

    Examples
    --------
    >>> from skhypertune.strategies import plan_halving
    >>> plan = plan_halving(9, factor=3, min_resources=10, max_resources=90)
    >>> plan.n_candidates, plan.n_resources, plan.total_resources
    ((9, 3, 1), (10, 30, 90), 270)
    """

    n_candidates: tuple[int, ...]
    n_resources: tuple[int, ...]
    n_remaining_candidates: int
    min_resources: int
    max_resources: int
    n_iterations: int
    n_possible_iterations: int
    n_required_iterations: int

    @property
    def total_resources(self) -> int:
        """Sum over iterations of candidates times resource (per CV split)."""
        return sum(c * r for c, r in zip(self.n_candidates, self.n_resources))


def n_kept(n_candidates: int, factor: float) -> int:
    """Candidates promoted from an iteration of ``n_candidates``.

    Examples
    --------
    >>> from skhypertune.strategies.halving import n_kept
    >>> n_kept(10, 3), n_kept(9, 3), n_kept(1, 3)
    (4, 3, 1)
    """
    return math.ceil(n_candidates / factor)


def _floor_log(x: float, factor: float) -> int:
    # Deliberately math.log(x, base) rather than an exact integer logarithm:
    # scikit-learn computes it this way (e.g. floor(log(243, 3)) == 4), and
    # we promise the same iterations as scikit-learn for the same settings.
    return math.floor(math.log(x, factor))


def plan_halving(
    n_candidates: int,
    *,
    factor: float,
    min_resources: int,
    max_resources: int,
    exhaust_min_resources: bool = False,
    aggressive_elimination: bool = False,
) -> HalvingPlan:
    """Plan the iterations of successive halving.

    Parameters
    ----------
    n_candidates : int
        Candidates of the first iteration (after resolving ``'exhaust'`` as
        ``max_resources // min_resources`` and capping at the size of the
        search space).
    factor : float
        Elimination rate: each iteration keeps ``ceil(n / factor)`` candidates
        and multiplies the resource by ``factor``. Must be greater than 1.
    min_resources : int
        Resource of the first iteration, or the lower bound of it when
        ``exhaust_min_resources`` is True.
    max_resources : int
        Largest resource a candidate may get.
    exhaust_min_resources : bool, default=False
        Raise ``min_resources`` so that the last required iteration uses as
        much of ``max_resources`` as possible (``min_resources='exhaust'``).
    aggressive_elimination : bool, default=False
        Run as many iterations as needed to end with fewer than ``factor``
        candidates, repeating the first resource while there are too many.

    Returns
    -------
    HalvingPlan
        The iterations; ``n_candidates`` and ``n_resources`` have
        ``n_iterations`` entries.

    Raises
    ------
    ValueError
        If ``factor <= 1``, ``n_candidates < 1``, ``min_resources < 1`` or
        ``min_resources > max_resources``.

    Examples
    --------
    >>> from skhypertune.strategies.halving import plan_halving
    >>> plan = plan_halving(20, factor=3, min_resources=20, max_resources=500)
    >>> plan.n_candidates, plan.n_resources, plan.n_remaining_candidates
    ((20, 7, 3), (20, 60, 180), 1)
    """
    if not factor > 1:
        raise ValueError(f"factor must be greater than 1, got {factor!r}.")
    if n_candidates < 1:
        raise ValueError(f"n_candidates must be at least 1, got {n_candidates!r}.")
    if min_resources < 1:
        raise ValueError(
            f"min_resources must be at least 1, got {min_resources!r} (is X empty?)."
        )
    if min_resources > max_resources:
        raise ValueError(
            f"min_resources_={min_resources} is greater than "
            f"max_resources_={max_resources}."
        )
    n_required = 1 + _floor_log(n_candidates, factor)
    if exhaust_min_resources:
        # Start as high as possible so that the last required iteration gets
        # (close to) max_resources.
        min_resources = max(min_resources, max_resources // factor ** (n_required - 1))
        min_resources = int(min_resources)
    n_possible = 1 + _floor_log(max_resources // min_resources, factor)
    n_iterations = n_required if aggressive_elimination else min(n_possible, n_required)

    counts, resources = [], []
    n = n_candidates
    for itr in range(n_iterations):
        power = itr
        if aggressive_elimination:
            # Stay at the first resource while there are too many candidates
            # for the possible iterations, then grow as usual.
            power = max(0, itr - n_required + n_possible)
        counts.append(n)
        resources.append(min(int(factor**power * min_resources), max_resources))
        n = n_kept(n, factor)
    return HalvingPlan(
        n_candidates=tuple(counts),
        n_resources=tuple(resources),
        n_remaining_candidates=n,
        min_resources=int(min_resources),
        max_resources=int(max_resources),
        n_iterations=n_iterations,
        n_possible_iterations=n_possible,
        n_required_iterations=n_required,
    )


def plan_hyperband(
    *,
    factor: float,
    min_resources: int,
    max_resources: int,
    n_brackets: int | None = None,
) -> list[HalvingPlan]:
    """Plan the brackets of one round of Hyperband.

    Hyperband (Li et al., 2018) hedges over how aggressively to eliminate:
    bracket ``s`` (from ``s_max`` down to 0) samples
    ``ceil((s_max + 1) / (s + 1) * factor**s)`` candidates, starts them at
    ``max_resources / factor**s`` and halves ``s`` times, so every bracket
    spends roughly the same compute and ends at ``max_resources``. The
    resource levels are the same in every bracket, which lets a model-guided
    search pool the observations made at one level.

    Parameters
    ----------
    factor : float
        Elimination rate, greater than 1.
    min_resources : int
        Smallest resource a bracket may start from.
    max_resources : int
        Resource of every bracket's last iteration.
    n_brackets : int or None, default=None
        Run only the ``n_brackets`` most exploratory brackets (largest ``s``);
        None runs all ``s_max + 1``.

    Returns
    -------
    list of HalvingPlan
        One plan per bracket, most exploratory first.

    Examples
    --------
    >>> from skhypertune.strategies.halving import plan_hyperband
    >>> for b in plan_hyperband(factor=3, min_resources=1, max_resources=9):
    ...     print(b.n_candidates, b.n_resources)
    (9, 3, 1) (1, 3, 9)
    (5, 2) (3, 9)
    (3,) (9,)
    """
    if not factor > 1:
        raise ValueError(f"factor must be greater than 1, got {factor!r}.")
    if min_resources < 1 or min_resources > max_resources:
        raise ValueError(
            f"Need 1 <= min_resources <= max_resources, got min_resources="
            f"{min_resources} and max_resources={max_resources}."
        )
    s_max = _floor_log(max_resources / min_resources, factor)
    # Guard against log rounding up: the first rung must not go below min.
    while s_max > 0 and int(max_resources / factor**s_max) < min_resources:
        s_max -= 1
    if n_brackets is not None:
        if n_brackets < 1:
            raise ValueError(f"n_brackets must be at least 1, got {n_brackets!r}.")
        n_brackets = min(n_brackets, s_max + 1)
    else:
        n_brackets = s_max + 1
    plans = []
    for s in range(s_max, s_max - n_brackets, -1):
        n = math.ceil((s_max + 1) / (s + 1) * factor**s - 1e-9)
        counts, resources = [], []
        for i in range(s + 1):
            counts.append(n)
            resources.append(int(max_resources / factor ** (s - i)))
            n = n_kept(n, factor)
        plans.append(
            HalvingPlan(
                n_candidates=tuple(counts),
                n_resources=tuple(resources),
                n_remaining_candidates=n,
                min_resources=resources[0],
                max_resources=int(max_resources),
                n_iterations=s + 1,
                n_possible_iterations=s + 1,
                n_required_iterations=1 + _floor_log(counts[0], factor),
            )
        )
    return plans


def rung_counts(n_candidates: int, factor: float, n_iterations: int) -> list[int]:
    """Candidates per iteration when the first has ``n_candidates``.

    Examples
    --------
    >>> from skhypertune.strategies.halving import rung_counts
    >>> rung_counts(7, 2, 3)
    [7, 4, 2]
    """
    counts = []
    for _ in range(n_iterations):
        counts.append(n_candidates)
        n_candidates = n_kept(n_candidates, factor)
    return counts
