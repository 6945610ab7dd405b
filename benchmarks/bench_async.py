"""Worker utilisation of batch and asynchronous mode, on a virtual clock.

Real fits on 8, 32 or 128 workers are out of reach on a 2-core machine, so
the search loop is simulated: the strategies are the library's own
(``BayesSearchCV`` and ``EvolutionSearchCV`` build them, with their defaults
for the budget and the number of workers), but a fit takes virtual time and
its score comes from a surrogate of a real benchmark task:

1. a *pool* of candidates of the task (drawn at random from its space) is
   cross-validated for real, recording each candidate's CV score and its
   fit-and-score time per fold (``results/async_pool_<task>.json``; built
   once, with seeds apart from the search benchmark's);
2. random forests fitted to the pool map a unit-cube point to a score and to
   a log fold time; a simulated fold takes that time times a log-normal
   jitter whose spread is the pool's median within-candidate spread;
3. **batch mode**: a batch of candidates is proposed, its folds go to the
   workers in order (each to the first free worker), the next batch starts
   when the slowest fold ends; **asynchronous mode**: whenever a worker is
   free and no fold is queued, one candidate is proposed with the running
   ones as pending, as ``asynchronous=True`` does.

Utilisation = busy worker time / (workers x makespan). Search quality is the
best surrogate score found, normalised per task: 0 = the median of random
points, 100 = the best of 20,000 random points. Both modes evaluate the same
number of candidates, so they use the same compute in expectation. Proposal
time is not charged to the clock (the real loop overlaps it with queued
folds).

    python benchmarks/bench_async.py [--tasks NAME ...] [--workers 8 32 128]
        [--seeds 0 1 2 3 4] [--pool-size 200]

Writes ``benchmarks/results/async.md``.
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.ensemble import RandomForestRegressor
from sklearn.model_selection import RandomizedSearchCV
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import N_SPLITS, TASKS, quiet_fit_warnings

from skhypertune import BayesSearchCV, EvolutionSearchCV
from skhypertune.space import SearchSpace

RESULTS = Path(__file__).resolve().parent / "results"
POOL_SEED = 1000  # apart from the search benchmark's seeds (0-9)
BUDGET_PER_WORKER = {8: 8, 32: 5, 128: 5}


# -- the surrogate of a task ------------------------------------------------
def build_pool(task, size: int, seed: int = POOL_SEED) -> dict:
    """Cross-validate ``size`` random candidates of ``task`` for real."""
    X, _, y, _ = task.split(seed)
    space = task.make_space()
    search = RandomizedSearchCV(
        task.make_estimator(seed),
        space,
        n_iter=size,
        cv=task.cv(seed),
        scoring=task.scoring,
        n_jobs=2,
        random_state=seed,
        error_score=np.nan,
    )
    with threadpool_limits(limits=1), quiet_fit_warnings():
        search.fit(X, y)
    res = search.cv_results_
    encoded = SearchSpace(space)
    return {
        "task": task.name,
        "points": [encoded.encode(p).tolist() for p in res["params"]],
        "scores": np.asarray(res["mean_test_score"], float).tolist(),
        "fold_seconds": (
            np.asarray(res["mean_fit_time"]) + np.asarray(res["mean_score_time"])
        ).tolist(),
        "fold_seconds_std": (
            np.asarray(res["std_fit_time"]) + np.asarray(res["std_score_time"])
        ).tolist(),
    }


class Surrogate:
    """Score and fold time of a unit-cube point, learnt from a pool."""

    def __init__(self, pool: dict, space: SearchSpace):
        P = np.asarray(pool["points"], float)
        s = np.asarray(pool["scores"], float)
        ok = np.isfinite(s)
        t = np.maximum(np.asarray(pool["fold_seconds"], float), 1e-4)
        self.score_model = RandomForestRegressor(
            200, min_samples_leaf=2, random_state=0
        )
        self.score_model.fit(P[ok], s[ok])
        self.time_model = RandomForestRegressor(200, min_samples_leaf=2, random_state=0)
        self.time_model.fit(P, np.log(t))
        spread = np.asarray(pool["fold_seconds_std"], float) / t
        self.jitter = float(np.median(spread))
        ref = self.score_model.predict(space.sample(20_000, 0, method="random"))
        self.low, self.high = float(np.median(ref)), float(ref.max())
        self.fold_seconds = t

    def scores(self, U: np.ndarray) -> np.ndarray:
        return self.score_model.predict(np.atleast_2d(U))

    def fold_times(self, U: np.ndarray, n_splits: int, rng) -> np.ndarray:
        mean = np.exp(self.time_model.predict(np.atleast_2d(U)))
        noise = rng.lognormal(0.0, self.jitter, size=(len(mean), n_splits))
        return mean[:, None] * noise

    def normalised(self, best: float) -> float:
        return 100.0 * (best - self.low) / (self.high - self.low)


# -- the two loops on a virtual clock -----------------------------------------
class _Proposer:
    """The loop's duplicate-free proposals around a library strategy."""

    def __init__(self, search, space, rng):
        self.space = space
        self.strategy = search._make_strategy(space, rng)
        self.rng = rng
        self.seen: set = set()

    def ask(self, n: int, pending=None) -> np.ndarray:
        out = []
        for _ in range(5):
            if len(out) >= n:
                break
            k = n - len(out)
            U = (
                self.strategy.ask(k)
                if pending is None
                else self.strategy.ask(k, pending=pending)
            )
            for u in self.space.snap(U):
                key = self.space.key(u)
                if key not in self.seen and len(out) < n:
                    self.seen.add(key)
                    out.append(u)
        while len(out) < n:
            u = self.space.sample(1, self.rng, method="random")[0]
            if self.space.key(u) not in self.seen:
                self.seen.add(self.space.key(u))
                out.append(u)
        return np.array(out)


def run_batch(proposer, surrogate, n_workers, budget, batch, rng) -> dict:
    clock, busy, done, best = 0.0, 0.0, 0, -math.inf
    while done < budget:
        U = proposer.ask(min(batch, budget - done))
        times = surrogate.fold_times(U, N_SPLITS, rng)
        free = [clock] * n_workers
        heapq.heapify(free)
        end = clock
        for t in times.ravel():  # folds in order, each to the first free worker
            start = heapq.heappop(free)
            heapq.heappush(free, start + t)
            end = max(end, start + t)
        busy += float(times.sum())
        clock = end
        s = surrogate.scores(U)
        proposer.strategy.tell(U, s)
        done += len(U)
        best = max(best, float(s.max()))
    return {"makespan": clock, "busy": busy, "best": best}


def run_async(proposer, surrogate, n_workers, budget, rng) -> dict:
    clock, busy, told, best = 0.0, 0.0, 0, -math.inf
    events: list = []  # (end time, candidate id, fold)
    queue: list = []  # folds of proposed candidates not started yet
    running: dict[int, list] = {}  # candidate id -> [point, folds left, score]
    n_proposed, idle = 0, n_workers
    while told < budget:
        while idle and (queue or n_proposed < budget):
            if not queue:
                pending = (
                    np.array([r[0] for r in running.values()]) if running else None
                )
                u = proposer.ask(1, pending=pending)[0]
                times = surrogate.fold_times(u[None, :], N_SPLITS, rng)[0]
                running[n_proposed] = [u, N_SPLITS, float(surrogate.scores(u)[0])]
                queue.extend((n_proposed, t) for t in times)
                n_proposed += 1
            cid, t = queue.pop(0)
            heapq.heappush(events, (clock + t, cid))
            busy += t
            idle -= 1
        clock, cid = heapq.heappop(events)
        idle += 1
        running[cid][1] -= 1
        if running[cid][1] == 0:
            u, _, score = running.pop(cid)
            proposer.strategy.tell(u[None, :], [score])
            told += 1
            best = max(best, score)
    return {"makespan": clock, "busy": busy, "best": best}


def simulate(task, surrogate, searcher: str, n_workers: int, seed: int) -> dict:
    space_spec = task.make_space()
    space = SearchSpace(space_spec)
    budget = BUDGET_PER_WORKER.get(n_workers, 4) * n_workers
    cls = BayesSearchCV if searcher == "bayes" else EvolutionSearchCV
    search = cls(task.make_estimator(seed), space_spec, n_iter=budget, n_jobs=n_workers)
    out = {}
    for mode in ("batch", "async"):
        rng = np.random.RandomState(seed)
        proposer = _Proposer(search, space, np.random.RandomState(seed))
        t0 = time.perf_counter()
        if mode == "batch":
            r = run_batch(
                proposer, surrogate, n_workers, budget, search._batch_size(), rng
            )
        else:
            r = run_async(proposer, surrogate, n_workers, budget, rng)
        r["utilisation"] = r["busy"] / (n_workers * r["makespan"])
        r["score"] = surrogate.normalised(r["best"])
        r["cpu_seconds"] = time.perf_counter() - t0
        out[mode] = r
    out["budget"] = budget
    out["batch_size"] = search._batch_size()
    return out


def _mean_se(values) -> str:
    v = np.asarray(values, float)
    se = v.std(ddof=1) / np.sqrt(len(v)) if len(v) > 1 else float("nan")
    return f"{v.mean():.1f} ± {se:.1f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tasks", nargs="+", default=["hgb_classification", "mlp_digits"]
    )
    parser.add_argument("--workers", type=int, nargs="+", default=[8, 32, 128])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--searchers", nargs="+", default=["bayes", "evolution"])
    parser.add_argument("--pool-size", type=int, default=200)
    parser.add_argument("--rebuild-pool", action="store_true")
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args(argv)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows, raw = [], []
    for name in args.tasks:
        task = TASKS[name]
        path = RESULTS / f"async_pool_{name}.json"
        if args.rebuild_pool or not path.exists():
            print(f"building the {name} pool ({args.pool_size} candidates)", flush=True)
            path.write_text(json.dumps(build_pool(task, args.pool_size)))
        pool = json.loads(path.read_text())
        surrogate = Surrogate(pool, SearchSpace(task.make_space()))
        fs = surrogate.fold_seconds
        print(
            f"{name}: fold seconds median {np.median(fs):.3f}, "
            f"p10 {np.quantile(fs, 0.1):.3f}, p90 {np.quantile(fs, 0.9):.3f}",
            flush=True,
        )
        for searcher in args.searchers:
            for w in args.workers:
                runs = [simulate(task, surrogate, searcher, w, s) for s in args.seeds]
                raw.append(
                    {"task": name, "searcher": searcher, "workers": w, "runs": runs}
                )
                modes = ("batch", "async")
                util = {m: [r[m]["utilisation"] * 100 for r in runs] for m in modes}
                score = {m: [r[m]["score"] for r in runs] for m in modes}
                wall = [r["batch"]["makespan"] / r["async"]["makespan"] for r in runs]
                diff = np.subtract(score["async"], score["batch"])
                rows.append(
                    f"| {name} | {searcher} | {w} | {runs[0]['budget']} "
                    f"| {runs[0]['batch_size']} | {_mean_se(util['batch'])} "
                    f"| **{_mean_se(util['async'])}** | {np.mean(wall):.2f} "
                    f"| {_mean_se(score['batch'])} | {_mean_se(score['async'])} "
                    f"| {_mean_se(diff)} |"
                )
                print(rows[-1], flush=True)
    sizes = {
        n: len(json.loads((RESULTS / f"async_pool_{n}.json").read_text())["scores"])
        for n in args.tasks
    }
    pools = ", ".join(f"{n}: {k}" for n, k in sizes.items())
    text = [
        "# Batch vs asynchronous mode on 8, 32 and 128 simulated workers",
        "",
        f"Virtual clock (see the docstring of `bench_async.py`); {N_SPLITS}-fold CV; "
        f"fold times and scores from random-forest surrogates of real pools "
        f"({pools} candidates cross-validated for real, seed {POOL_SEED}); "
        f"seeds {args.seeds}; budget = {BUDGET_PER_WORKER} candidates per worker. "
        "Batch size: BayesSearchCV's n_points='auto' (= workers), "
        "EvolutionSearchCV's default population for the budget. Utilisation = "
        "busy worker time / (workers x makespan), mean ± s.e. over seeds; "
        "'batch / async wall' = makespan ratio (mean); normalised score: 0 = "
        "median random point, 100 = best of 20,000 random points; 'async − "
        "batch' paired by seed.",
        "",
        "| task | search | workers | budget | batch size | batch utilisation % "
        "| async utilisation % | batch / async wall | batch score | async score "
        "| async − batch score |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
    ]
    (out / "async.md").write_text("\n".join(text))
    (out / "async.json").write_text(json.dumps(raw, indent=1, default=float))
    print("\n".join(text))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
