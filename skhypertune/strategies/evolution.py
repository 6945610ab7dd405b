"""An evolutionary ask/tell strategy over the unit-cube encoding.

One generation is one batch. The first generation is a scrambled Sobol design;
every later one is bred from a parent pool:

* **selection** -- tournaments on the pool; failed evaluations (NaN) have the
  worst fitness;
* **recombination** -- blend (BLX) crossover on continuous and integer
  coordinates, uniform crossover on categorical ones; for a conditional space
  (list of dicts) the child takes the branch of one parent and the branch's
  coordinates from the parents that use that branch;
* **mutation** -- Gaussian steps on continuous and integer coordinates (integers
  are searched through their CDF, so a step in the cube is a step in
  probability mass, and a forced mutation moves at least one level), and
  resampling to another level for categorical coordinates (switching branch
  imports the best known settings of the new branch);
* **step sizes** -- per coordinate, the geometric mean of the spread of the
  parent pool along it and a schedule decaying over the budget, so they
  shrink as the pool converges, grow back when a distant region wins, and
  still narrow down when the pool stays spread out (see ``step_rule`` for
  the alternatives that were measured);
* **elitism** -- the ``elitism`` best points ever evaluated stay in the pool,
  the rest of the pool is the best of the newest generation;
* **no repeats** -- a child whose parameters were already evaluated or
  proposed is mutated again, with growing steps, before it is handed out.
"""

from __future__ import annotations

import numpy as np

from ..pareto import crowding_distance, non_dominated_rank
from ..space import SearchSpace
from ._base import Strategy

__all__ = ["EvolutionStrategy"]

# Blend crossover draws each coordinate from the parents' interval widened by
# this fraction on each side (BLX-alpha), so recombination can also explore.
_BLX_ALPHA = 0.25
# Step-size bounds in the unit cube.
_MIN_STEP = 2e-3
_MAX_STEP = 0.5
# Tries to turn a duplicate child into an unseen point before sampling one.
_MAX_REPAIR = 12


class EvolutionStrategy(Strategy):
    """Generational evolution with tournaments, elitism and adaptive steps.

    Parameters
    ----------
    space : SearchSpace
        The space to search.
    random_state : numpy.random.RandomState
        The only source of randomness.
    population_size : int, default=10
        Size of the parent pool (and, in the search loop, of a generation).
    mutation_probability : float, default=0.8
        Probability that a child is mutated. A child identical to a point that
        was already evaluated or proposed is always mutated.
    crossover_probability : float, default=0.6
        Probability that a child is bred from two parents rather than copied
        from one.
    tournament_size : int, default=3
        Pool members drawn per tournament; the fittest is the parent. Capped
        at the pool size.
    elitism : int, default=2
        Number of best points ever evaluated that are kept in the parent pool
        whatever the newest generation scores.
    step_rule : {"hybrid", "spread", "success", "anneal"}, default="hybrid"
        How Gaussian step sizes adapt. ``"spread"``: per coordinate, the
        standard deviation of the pool along it times ``step_scale``.
        ``"success"``: one global step, grown or shrunk after each generation
        by the 1/5th success rule. ``"anneal"``: geometric decay from 0.25 to
        0.02 over ``budget`` evaluations. ``"hybrid"``: the geometric mean of
        ``"spread"`` and ``"anneal"``. The comparison is
        ``python benchmarks/bench_evolution_overhead.py --compare``.
    step_scale : float, default=1.0
        Multiplier of the pool spread in the ``"spread"`` and ``"hybrid"`` rules.
    budget : int or None, default=None
        Total evaluations planned, for the ``"anneal"`` and ``"hybrid"``
        schedules (100 when None).
    initial_design : {"sobol", "random"}, default="sobol"
        How points are drawn while nothing has succeeded yet (the first
        generation): a scrambled Sobol sequence or uniformly at random.

    Attributes
    ----------
    X_ : ndarray of shape (n_told, n_dims)
        Every point told so far.
    y_ : ndarray of shape (n_told,)
        Their scores (NaN for failed evaluations).
    pool_ : ndarray of int
        Indices into ``X_`` of the current parent pool.
    generation_ : int
        Number of generations proposed so far.

    Examples
    --------
    >>> import numpy as np
    >>> from skhypertune.space import SearchSpace
    >>> from skhypertune.strategies.evolution import EvolutionStrategy
    >>> space = SearchSpace({"x": [0, 1, 2, 3], "y": [10, 20, 30]})
    >>> strategy = EvolutionStrategy(space, np.random.RandomState(0), population_size=4)
    >>> U = strategy.ask(4)
    >>> strategy.tell(U, -np.abs(U).sum(axis=1))
    >>> strategy.ask(4).shape
    (4, 2)
    """

    def __init__(
        self,
        space: SearchSpace,
        random_state: np.random.RandomState,
        *,
        population_size: int = 10,
        mutation_probability: float = 0.8,
        crossover_probability: float = 0.6,
        tournament_size: int = 3,
        elitism: int = 2,
        step_rule: str = "hybrid",
        step_scale: float = 1.0,
        budget: int | None = None,
        initial_design: str = "sobol",
    ):
        super().__init__(space, random_state)
        if initial_design not in ("sobol", "random"):
            raise ValueError(
                f"initial_design must be 'sobol' or 'random', got {initial_design!r}."
            )
        self.initial_design = initial_design
        if step_rule not in ("spread", "success", "anneal", "hybrid"):
            raise ValueError(f"Unknown step_rule {step_rule!r}.")
        self.population_size = int(population_size)
        self.mutation_probability = float(mutation_probability)
        self.crossover_probability = float(crossover_probability)
        self.tournament_size = int(tournament_size)
        self.elitism = int(elitism)
        self.step_rule = step_rule
        self.step_scale = float(step_scale)
        self.budget = budget
        self.pool_ = np.empty(0, dtype=int)
        self.generation_ = 0
        self._seen: set = set()
        self._design: np.ndarray | None = None
        self._design_pos = 0
        self._n_pooled = 0  # points of X_ already considered for the pool
        self._global_step = 0.2
        self._parent_fitness: dict[int, float] = {}  # archive index -> parent's
        # Parents' fitness of each child handed out, by point key, until the
        # child is told (asynchronous mode tells children in any order).
        self._pending_parents: dict[bytes, float] = {}
        dims = space.dimensions
        self._kinds = np.array([d.kind for d in dims])
        self._numeric = np.array([d.kind != "categorical" for d in dims])
        self._levels = np.array(
            [d.n_levels if d.kind == "categorical" else 0 for d in dims]
        )

    # -- protocol ---------------------------------------------------------
    def tell(self, points: np.ndarray, scores: np.ndarray) -> None:
        n_before = len(self.y_)
        super().tell(points, scores)
        for i, u in enumerate(self.space.snap(self.X_[n_before:])):
            key = self.space.point_key(u)
            self._seen.add(key)
            # Success bookkeeping for the 1/5th rule: the parents' fitness
            # recorded when this child was proposed.
            if key in self._pending_parents:
                self._parent_fitness[n_before + i] = self._pending_parents.pop(key)

    def ask(self, n: int, pending: np.ndarray | None = None) -> np.ndarray:
        """``n`` children of the current pool, unlike any ``pending`` point.

        In asynchronous mode each freed worker gets one child bred from the
        pool as it stands (steady-state evolution): the pool takes in every
        evaluation as it is told.
        """
        n = int(n)
        if n <= 0:
            return np.empty((0, self.space.n_dims))
        running = set()
        if pending is not None and len(pending):
            running = {
                self.space.point_key(u) for u in self.space.snap(np.atleast_2d(pending))
            }
        first = np.empty((0, self.space.n_dims))
        n_first = self.population_size - len(self.y_) - len(running)
        if n_first > 0:
            # The first generation is one space-filling design however it is
            # asked for: whole in batch mode, a point per freed worker in
            # asynchronous mode, so breeding starts from a full generation.
            first = self._first_generation(min(n, n_first), running)
            if len(first) == n:
                return first
            running = running | {self.space.point_key(u) for u in first}
            n -= len(first)
        fitness = self._fitness()
        if not len(fitness) and running:
            # Asynchronous, no result back yet: the design goes on.
            more = self._first_generation(n, running, extend=True)
            return np.vstack([first, more])
        if not np.isfinite(fitness).any():
            # Nothing succeeded yet: keep exploring with a space-filling design.
            design = self.space.sample(n, self.random_state, method=self.initial_design)
            return np.vstack([first, self._unseen(design, running)])
        self._update_pool(fitness)
        steps = self._steps(fitness)
        pool_X = self.X_[self.pool_]
        pool_f = self._pool_fitness(fitness)
        # Categorical mutation rate: about one changed coordinate per child.
        n_active = max(1, int(self.space.active_mask(pool_X).sum(axis=1).mean()))
        p_level = 1.0 / n_active
        children, parent_f, taken = [], [], set(running)
        for _ in range(n):
            child, pf = self._breed(pool_X, pool_f, steps, p_level)
            child, key = self._repair(child, steps, p_level, taken)
            taken.add(key)
            children.append(child)
            parent_f.append(pf)
        self.generation_ += 1
        for child, f in zip(children, parent_f):
            self._pending_parents[self.space.point_key(child)] = f
        return np.vstack([first, np.array(children)])

    def _first_generation(self, n: int, taken: set, extend: bool = False) -> np.ndarray:
        """The next ``n`` points of the first generation's design.

        ``extend``: past the first generation, when no result has come back
        yet, the same low-discrepancy sequence continues.
        """
        if self._design is None:
            # Kept to draw a longer design with the same start (same seed).
            self._design_state = self.random_state.get_state()
            self._design = self.space.sample(
                self.population_size, self.random_state, method=self.initial_design
            )
        if extend and self._design_pos + n > len(self._design):
            replay = np.random.RandomState()
            replay.set_state(self._design_state)
            self._design = self.space.sample(
                2 * (self._design_pos + n), replay, method=self.initial_design
            )
        rows = self._design[self._design_pos : self._design_pos + n]
        self._design_pos += len(rows)
        return self._unseen(rows, taken)

    # -- population -------------------------------------------------------
    def _fitness(self) -> np.ndarray:
        if self.Y_ is not None:
            return _nsga_fitness(self.Y_)
        return np.where(np.isnan(self.y_), -np.inf, self.y_)

    def _pool_fitness(self, fitness: np.ndarray) -> np.ndarray:
        """Fitness of the pool's members for the tournaments.

        With several objectives, NSGA-II's crowded comparison within the pool:
        the front number among the pool, then the crowding distance.
        """
        if self.Y_ is not None:
            return _nsga_fitness(self.Y_[self.pool_])
        return fitness[self.pool_]

    def _update_pool(self, fitness: np.ndarray) -> None:
        """Elites of everything so far plus the best of the newest generation.

        The newest generation is the points told since the last update, and
        at least the last ``population_size`` told: the same in batch mode,
        where a generation is told at once, while in asynchronous mode, where
        points arrive one by one, a single new point does not displace the
        pool whatever its score.
        """
        n_total = len(fitness)
        if self._n_pooled == n_total and len(self.pool_):
            return
        self._update_global_step(fitness, np.arange(self._n_pooled, n_total))
        first = max(0, min(self._n_pooled, n_total - self.population_size))
        new = np.arange(first, n_total)
        size = min(self.population_size, n_total)
        candidates = np.union1d(self.pool_, new)
        if self.Y_ is not None:
            # NSGA-II's selection: the best of parents and children together,
            # by front and crowding among them.
            ranked = _nsga_fitness(self.Y_[candidates])
            order = _rank_desc(ranked, self.random_state)
            self.pool_ = candidates[order[:size]]
            self._n_pooled = n_total
            return
        order = _rank_desc(fitness[candidates], self.random_state)
        elites = candidates[order[: min(self.elitism, size)]]
        chosen = list(elites)
        rest = [i for i in new[_rank_desc(fitness[new], self.random_state)]]
        rest += [i for i in candidates[order]]
        for i in rest:
            if len(chosen) >= size:
                break
            if i not in chosen:
                chosen.append(i)
        self.pool_ = np.array(chosen, dtype=int)
        self._n_pooled = n_total

    # -- step sizes -------------------------------------------------------
    def _update_global_step(self, fitness: np.ndarray, new: np.ndarray) -> None:
        if self.step_rule != "success":
            return
        trials = [i for i in new if i in self._parent_fitness]
        if not trials:
            return
        rate = np.mean([fitness[i] > self._parent_fitness[i] for i in trials])
        self._global_step *= np.exp((rate - 0.2) / 0.8)
        self._global_step = float(np.clip(self._global_step, _MIN_STEP, _MAX_STEP))

    def _steps(self, fitness: np.ndarray) -> np.ndarray:
        """Gaussian step size of each coordinate in the unit cube."""
        d = self.space.n_dims
        if self.step_rule == "success":
            return np.full(d, self._global_step)
        budget = self.budget or 100
        t = min(1.0, len(fitness) / budget)
        annealed = 0.25 * (0.02 / 0.25) ** t
        if self.step_rule == "anneal":
            return np.full(d, annealed)
        pool_X = self.X_[self.pool_]
        mask = self.space.active_mask(pool_X)
        steps = np.full(d, 0.2)
        for j in range(d):
            values = pool_X[mask[:, j], j]
            if len(values) >= 2:
                steps[j] = self.step_scale * values.std()
        if self.step_rule == "hybrid":
            steps = np.sqrt(np.clip(steps, _MIN_STEP, _MAX_STEP) * annealed)
        return np.clip(steps, _MIN_STEP, _MAX_STEP)

    # -- variation --------------------------------------------------------
    def _tournament(self, fitness: np.ndarray, exclude: int | None = None) -> int:
        rng = self.random_state
        idx = np.arange(len(fitness))
        if exclude is not None and len(idx) > 1:
            idx = idx[idx != exclude]
        k = max(1, min(self.tournament_size, len(idx)))
        entrants = rng.choice(idx, size=k, replace=False)
        best = fitness[entrants].max()
        winners = entrants[fitness[entrants] == best]
        return int(winners[0]) if len(winners) == 1 else int(rng.choice(winners))

    def _breed(self, pool_X, pool_f, steps, p_level):
        rng = self.random_state
        i = self._tournament(pool_f)
        child = pool_X[i].copy()
        parent_f = pool_f[i]
        if len(pool_f) > 1 and rng.rand() < self.crossover_probability:
            j = self._tournament(pool_f, exclude=i)
            child = self._crossover(pool_X[i], pool_X[j])
            parent_f = max(pool_f[i], pool_f[j])
        if rng.rand() < self.mutation_probability:
            child = self._mutate(child, steps, p_level)
        return self.space.snap(child)[0], parent_f

    def _crossover(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        rng = self.random_state
        space = self.space
        ma, mb = space.active_mask(a)[0], space.active_mask(b)[0]
        child = a.copy()
        if space.n_branches > 1 and space.branch_of(a) != space.branch_of(b):
            if rng.rand() < 0.5:
                a, b, ma, mb = b, a, mb, ma
                child = a.copy()
            # Only ``a`` uses the chosen branch: its coordinates come from it.
            return child
        both = ma & mb
        blend = both & self._numeric
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        width = hi - lo
        draw = rng.uniform(lo - _BLX_ALPHA * width, hi + _BLX_ALPHA * width)
        child[blend] = _reflect(draw[blend])
        swap = both & ~self._numeric & (rng.rand(len(a)) < 0.5)
        child[swap] = b[swap]
        return child

    def _mutate(
        self, u: np.ndarray, steps: np.ndarray, p_level: float, force: bool = False
    ) -> np.ndarray:
        rng = self.random_state
        space = self.space
        u = u.copy()
        if space.n_branches > 1 and rng.rand() < p_level:
            u = self._switch_branch(u)
        mask = space.active_mask(u)[0]
        numeric = mask & self._numeric
        noise = rng.randn(len(u)) * steps
        u[numeric] = _reflect(u[numeric] + noise[numeric])
        categorical = np.flatnonzero(mask & ~self._numeric & (self._levels > 1))
        if space.n_branches > 1:
            categorical = categorical[categorical != 0]
        flips = categorical[rng.rand(len(categorical)) < p_level]
        if force and len(flips) == 0 and len(categorical) and not numeric.any():
            flips = np.array([rng.choice(categorical)])
        for j in flips:
            k = int(self._levels[j])
            level = min(int(u[j] * k), k - 1)
            u[j] = ((level + rng.randint(1, k)) % k + 0.5) / k
        if force:
            u = self._step_integers(u, mask)
        return u

    def _step_integers(self, u: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Move one integer coordinate by one level if snapping undid its step."""
        rng = self.random_state
        ints = [j for j in np.flatnonzero(mask) if self._kinds[j] == "integer"]
        if not ints:
            return u
        j = int(rng.choice(ints))
        dim = self.space.dimensions[j]
        x = dim.decode(u[j])
        for delta in (1, -1) if rng.rand() < 0.5 else (-1, 1):
            try:
                v = dim.encode(x + delta)
            except ValueError:
                continue
            if dim.decode(v) != x:
                u[j] = v
                break
        return u

    def _switch_branch(self, u: np.ndarray) -> np.ndarray:
        """Move ``u`` to another branch, with that branch's best known settings."""
        rng = self.random_state
        space = self.space
        k = space.n_branches
        current = space.branch_of(u)
        new = (current + rng.randint(1, k)) % k
        u = u.copy()
        u[0] = (new + 0.5) / k
        idx = space._branch_dims[new]
        fitness = self._fitness()
        branches = np.minimum((self.X_[:, 0] * k).astype(int), k - 1)
        in_branch = np.flatnonzero((branches == new) & np.isfinite(fitness))
        if len(in_branch):
            best = in_branch[int(np.argmax(fitness[in_branch]))]
            u[idx] = self.X_[best, idx]
        else:
            u[idx] = rng.rand(len(idx))
        return u

    def _repair(self, child, steps, p_level, pending) -> tuple[np.ndarray, bytes]:
        """Mutate a duplicate child, with growing steps, until it is unseen."""
        scale = 1.0
        for _ in range(_MAX_REPAIR):
            key = self.space.point_key(child)
            if key not in self._seen and key not in pending:
                return child, key
            scale *= 1.6
            child = self.space.snap(
                self._mutate(
                    child,
                    np.clip(steps * scale, _MIN_STEP, _MAX_STEP),
                    min(1.0, p_level * scale),
                    force=True,
                )
            )[0]
        u = self._unseen(
            self.space.snap(self.random_state.rand(1, len(child))), pending
        )
        return u[0], self.space.point_key(u[0])

    def _unseen(self, U: np.ndarray, pending: set) -> np.ndarray:
        """Replace rows of ``U`` already seen by random points, when possible."""
        out = []
        taken = set(pending)
        for u in U:
            key = self.space.point_key(u)
            for _ in range(_MAX_REPAIR):
                if key not in self._seen and key not in taken:
                    break
                u = self.space.snap(self.random_state.rand(1, len(u)))[0]
                key = self.space.point_key(u)
            taken.add(key)
            out.append(u)
        return np.array(out).reshape(-1, self.space.n_dims)


def _reflect(x: np.ndarray) -> np.ndarray:
    """Fold values back into [0, 1] (mirror at the faces)."""
    x = np.mod(x, 2.0)
    return np.where(x > 1.0, 2.0 - x, x)


def _nsga_fitness(Y: np.ndarray) -> np.ndarray:
    """Front number and crowding as one fitness, higher is better.

    Minus the front number (0 the Pareto front of ``Y``), plus a share below
    one that grows with the crowding distance, so that comparing fitness is
    NSGA-II's crowded comparison. Rows with a missing objective (failed fits)
    get ``-inf``.
    """
    ranks = non_dominated_rank(Y)
    crowd = crowding_distance(Y, ranks)
    finite = np.where(np.isinf(crowd), 0.0, crowd)
    share = np.where(np.isinf(crowd), 1.0, finite / (1.0 + finite))
    fitness = -ranks + 0.99 * share
    return np.where(np.isnan(Y).any(axis=1), -np.inf, fitness)


def _rank_desc(values: np.ndarray, rng: np.random.RandomState) -> np.ndarray:
    """Indices sorting ``values`` best first, ties broken at random."""
    tiebreak = rng.rand(len(values))
    return np.lexsort((tiebreak, -values))
