"""n_jobs=2 against n_jobs=1, side by side with the peers, and identical results.

Runs every searcher of the search benchmark on one task (by default the one
whose BayesSearchCV runs took longest there) with the same ``random_state``
and budget, once with ``n_jobs=1`` and once with ``n_jobs=2``, alternated and
repeated, and reports each searcher's wall-time ratio and whether its
evaluated candidates (parameters and scores) are identical. Two references
come from the same run, so that a speed-up can be read against what this
machine allows at that moment:

* RandomizedSearchCV evaluates all its candidates in one call, with no wait
  between batches: the best case of scikit-learn's own search machinery;
* a hardware ceiling per searcher: the fits its search made (every evaluated
  candidate on every CV training fold), once in one process and once split
  in two halves run by two worker processes, with no search loop and no
  per-fit dispatch. Searchers choose different fits, so each is measured on
  its own.

    python benchmarks/bench_parallel.py [--task NAME ...] [--searchers NAME ...]
        [--budget 40] [--seed 0] [--repeats 3] [--n-points auto]

Writes ``benchmarks/results/parallel.md``. Run it on a quiet machine: the
speed-up is a wall-time ratio on the machine's cores. Every run limits BLAS
and OpenMP to one thread per process (threadpoolctl), as joblib's workers do,
so that n_jobs=1 is not already using every core inside HistGradientBoosting.
scikit-optimize runs with ``n_points=2`` for both n_jobs (its default of one
candidate per batch would leave 3 fits for 2 workers), as BayesSearchCV's
default does.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import N_SPLITS, SEARCHERS, TASKS, params_key, quiet_fit_warnings

# Ours first, then scikit-learn's reference, then the peers.
DEFAULT_SEARCHERS = [
    "bayes",
    "bayes_async",
    "evolution",
    "evolution_async",
    "random",
    "optuna",
    "skopt",
    "ga",
]
# Batch mode and asynchronous mode of each of our searches, for the quality
# comparison at n_jobs=2.
MODE_PAIRS = [("bayes", "bayes_async"), ("evolution", "evolution_async")]


def _slowest_tasks(seed: int, n: int = 2) -> list[str]:
    """The ``n`` tasks whose BayesSearchCV runs took longest in the search
    benchmark.

    Read from ``results/search_budget40.json`` (mean wall time over seeds);
    without it, the tasks whose default fit takes longest here.
    """
    raw = Path(__file__).resolve().parent / "results" / "search_budget40.json"
    if raw.exists():
        walls: dict[str, list[float]] = {}
        for r in json.loads(raw.read_text())["rows"]:
            if r["searcher"] == "bayes" and r["status"] == "ok":
                walls.setdefault(r["task"], []).append(r["wall_time"])
        if walls:
            return sorted(walls, key=lambda t: -float(np.mean(walls[t])))[:n]
    timings = {}
    for name, task in TASKS.items():
        X, _, y, _ = task.split(seed)
        est = task.make_estimator(seed)
        with threadpool_limits(limits=1):
            t0 = time.perf_counter()
            est.fit(X, y)
            timings[name] = time.perf_counter() - t0
    return sorted(timings, key=lambda t: -timings[t])[:n]


def _run(searcher, task, n_jobs: int, budget: int, seed: int, n_points="auto"):
    """Fit one search; return its evaluations and wall time."""
    X, _, y, _ = task.split(seed)
    search = searcher.build(
        task, task.make_estimator(seed), task.make_space(), task.cv(seed), budget, seed
    )
    search.set_params(n_jobs=n_jobs)
    if searcher.name == "bayes":
        search.set_params(n_points=n_points)
    elif searcher.name == "skopt":
        search.set_params(n_points=2)
    kwargs = searcher.fit_kwargs(budget)
    with threadpool_limits(limits=1), quiet_fit_warnings():
        t0 = time.perf_counter()
        search.fit(X, y, **kwargs)
        wall = time.perf_counter() - t0
    return searcher.evaluations(search, N_SPLITS), wall


def _fit_all(estimator, X, y, jobs) -> float:
    t0 = time.perf_counter()
    with quiet_fit_warnings():
        for params, train in jobs:
            clone(estimator).set_params(**params).fit(X[train], y[train])
    return time.perf_counter() - t0


def _ceiling(task, seed: int, candidates: list[dict], repeats: int):
    """Wall-time ratio of a search's own fits in one process and split over two.

    Every evaluated candidate is fitted on every CV training fold, once in one
    process and once in two interleaved halves run by two worker processes:
    the same work with no search loop and no per-fit dispatch, so the ratio is
    what the machine allows for that search's mix of fits. Returns the ratio
    of medians and both lists of times.
    """
    X, _, y, _ = task.split(seed)
    X, y = np.asarray(X), np.asarray(y)
    estimator = task.make_estimator(seed)
    folds = [train for train, _ in task.cv(seed).split(X, y)]
    jobs = [(params, train) for params in candidates for train in folds]
    halves = (jobs[::2], jobs[1::2])
    one, two = [], []
    with threadpool_limits(limits=1):
        for _ in range(repeats):
            t0 = time.perf_counter()
            _fit_all(estimator, X, y, jobs)
            one.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            Parallel(n_jobs=2)(delayed(_fit_all)(estimator, X, y, h) for h in halves)
            two.append(time.perf_counter() - t0)
    return float(np.median(one) / np.median(two)), one, two


def _same(a, b) -> tuple[bool, bool]:
    same_params = [params_key(p) for p in a.params] == [params_key(p) for p in b.params]
    same_scores = len(a.scores) == len(b.scores) and np.array_equal(
        a.scores, b.scores, equal_nan=True
    )
    return same_params, same_scores


def _throughput(work: dict, walls: dict, name: str) -> float:
    """Work done per wall second with n_jobs=2 over n_jobs=1 (medians of runs)."""
    per_run = {k: np.array(work[name][k]) / np.array(walls[name][k]) for k in (1, 2)}
    return float(np.median(per_run[2]) / np.median(per_run[1]))


def _quality_section(task, args, searchers) -> list[str]:
    """Best CV and held-out score of batch vs asynchronous mode at n_jobs=2.

    Same seeds (splits, folds, random_state) for both modes; paired
    differences with their standard errors.
    """
    pairs = [p for p in MODE_PAIRS if p[0] in searchers and p[1] in searchers]
    if not pairs or not args.quality_seeds:
        return []
    from common import run_one

    lines = [
        f"Search quality at n_jobs=2, seeds {args.quality_seeds} (budget "
        f"{args.budget}): best CV score and held-out test score, mean over "
        "seeds, and asynchronous minus batch, paired by seed (± standard error).",
        "",
        "| search | batch CV | async CV | async − batch CV | batch test "
        "| async test | async − batch test |",
        "|---|---|---|---|---|---|---|",
    ]
    for sync, asyn in pairs:
        rows = {sync: [], asyn: []}
        for seed in args.quality_seeds:
            for s in (sync, asyn):
                with threadpool_limits(limits=1):
                    row = run_one(task, SEARCHERS[s], args.budget, seed, n_jobs=2)
                rows[s].append((row.best_cv, row.test_score))
                print(task.name, s, seed, rows[s][-1], flush=True)
        a, b = np.array(rows[sync]), np.array(rows[asyn])
        d = b - a
        se = d.std(axis=0, ddof=1) / np.sqrt(len(d)) if len(d) > 1 else [np.nan] * 2
        lines.append(
            f"| {sync} | {a[:, 0].mean():.4f} | {b[:, 0].mean():.4f} "
            f"| {d[:, 0].mean():+.4f} ± {se[0]:.4f} | {a[:, 1].mean():.4f} "
            f"| {b[:, 1].mean():.4f} | {d[:, 1].mean():+.4f} ± {se[1]:.4f} |"
        )
    return [*lines, ""]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--task", nargs="+", default=None, choices=sorted(TASKS), dest="tasks"
    )
    parser.add_argument(
        "--searchers",
        nargs="+",
        default=DEFAULT_SEARCHERS,
        choices=sorted(SEARCHERS),
    )
    parser.add_argument("--budget", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="runs of each n_jobs, alternated; the speed-up compares medians",
    )
    parser.add_argument(
        "--n-points",
        default="auto",
        type=lambda v: v if v == "auto" else int(v),
        help="BayesSearchCV's n_points",
    )
    parser.add_argument(
        "--ceiling-repeats",
        type=int,
        default=2,
        help="timings of each searcher's own fits in one and two processes",
    )
    parser.add_argument(
        "--quality-seeds",
        type=int,
        nargs="*",
        default=list(range(1, 7)),
        help="seeds for the batch vs asynchronous search quality at n_jobs=2",
    )
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = parser.parse_args(argv)

    names = args.tasks or _slowest_tasks(args.seed)
    sections, ok = [], True
    for name in names:
        task = TASKS[name]
        # Start joblib's worker processes and import the estimator in them,
        # so that start-up is not charged to the first n_jobs=2 run.
        _run(SEARCHERS["random"], task, 2, 4, args.seed)
        walls = {s: {1: [], 2: []} for s in args.searchers}
        # Fit-and-score seconds of each run's candidates: searchers whose
        # candidates depend on timing (asynchronous mode) do different work
        # with n_jobs=1 and 2, so their speed-up is also read as throughput.
        work = {s: {1: [], 2: []} for s in args.searchers}
        last, failed = {}, {}
        for _ in range(args.repeats):
            for s in args.searchers:
                if s in failed:
                    continue
                try:
                    for n_jobs in (1, 2):
                        ev, wall = _run(
                            SEARCHERS[s],
                            task,
                            n_jobs,
                            args.budget,
                            args.seed,
                            args.n_points,
                        )
                        walls[s][n_jobs].append(wall)
                        work[s][n_jobs].append(float(np.sum(ev.fit_score_time)))
                        last[s, n_jobs] = ev
                except Exception as exc:  # a failing peer is a result
                    failed[s] = f"{type(exc).__name__}: {exc}"[:200]
                print(
                    name,
                    s,
                    {k: np.round(v, 2).tolist() for k, v in walls[s].items()},
                    flush=True,
                )

        random_speedup = random_throughput = None
        if "random" in args.searchers and "random" not in failed:
            random_speedup = np.median(walls["random"][1]) / np.median(
                walls["random"][2]
            )
            random_throughput = _throughput(work, walls, "random")
        lines = []
        for s in args.searchers:
            if s in failed:
                lines.append(f"| {s} | failed: {failed[s]} | | | | | | | | |")
                continue
            m1, m2 = np.median(walls[s][1]), np.median(walls[s][2])
            speedup = m1 / m2
            same_params, same_scores = _same(last[s, 1], last[s, 2])
            if s == "bayes":
                ok = ok and same_params and same_scores
            rel = "" if random_speedup is None else f"{speedup / random_speedup:.2f}"
            thr = _throughput(work, walls, s)
            thr_rel = (
                "" if random_throughput is None else f"{thr / random_throughput:.2f}"
            )
            ceiling, _, _ = _ceiling(
                task, args.seed, last[s, 1].params, args.ceiling_repeats
            )
            runs = {k: ", ".join(f"{t:.2f}" for t in v) for k, v in walls[s].items()}
            lines.append(
                f"| {s} | {runs[1]} | {runs[2]} | **{speedup:.2f}** | {rel} "
                f"| {thr:.2f} | **{thr_rel}** "
                f"| {ceiling:.2f} | {speedup / ceiling:.2f} "
                f"| {same_params and same_scores} |"
            )
        sections += [
            f"## {name}",
            "",
            "| searcher | n_jobs=1 wall s | n_jobs=2 wall s | speed-up "
            "| / RandomizedSearchCV's | throughput speed-up "
            "| / RandomizedSearchCV's | ceiling of its own fits | / ceiling "
            "| same candidates and scores |",
            "|---|---|---|---|---|---|---|---|---|---|",
            *lines,
            "",
            *_quality_section(task, args, args.searchers),
        ]
    rows = [
        "# n_jobs=2 against n_jobs=1, side by side",
        "",
        f"Budget {args.budget}, seed {args.seed}, {N_SPLITS}-fold CV, "
        f"BayesSearchCV n_points={args.n_points!r}, scikit-optimize n_points=2; "
        f"{args.repeats} runs of each searcher and n_jobs, alternated in one "
        "invocation after a warm-up that starts joblib's worker processes; "
        f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}. Speed-up = median wall time with n_jobs=1 / "
        "median with n_jobs=2. 'Same candidates and scores' compares the n_jobs=1 "
        "and n_jobs=2 runs of the last repeat. 'Ceiling of its own fits': the "
        "candidates of the searcher's last n_jobs=1 run fitted on every CV "
        "training fold, in one process vs. in two interleaved halves on two "
        f"worker processes (median of {args.ceiling_repeats}); '/ ceiling' is the "
        "share of what the machine allows for that work that the search loop "
        "keeps. 'Throughput speed-up': fit-and-score seconds of the run's "
        "candidates per wall second, n_jobs=2 over n_jobs=1 (medians of the "
        "runs): the fair reading for asynchronous mode, whose candidates (and so "
        "its work) differ between n_jobs=1 and 2 and between runs.",
        "",
        *sections,
    ]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "parallel.md").write_text("\n".join(rows))
    print("\n".join(rows))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
