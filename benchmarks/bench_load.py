"""Load benchmark: a 2,000-candidate search on a cheap estimator.

Measures, per searcher, what our code costs on top of the fits when the
budget is large: the overhead per candidate (wall time minus fit and score
time), split into our loop (strategy, decoding, duplicate checks, checkpoint
writes, callbacks) and scikit-learn's ``evaluate_candidates`` plumbing
(cloning, joblib dispatch, formatting ``cv_results_``), in windows of the
run (first 500 candidates, 500-1000, 1000-2000) so growth is visible; the
peak memory of the process; and the size of the checkpoint file. For
BayesSearchCV it also times every proposal of the Gaussian process.

The estimator is a Ridge on 40 samples with cv=2, so a fit costs well under a
millisecond and overheads dominate. Each searcher runs in its own process
(clean peak-memory figures) with one BLAS/OpenMP thread.

Usage::

    python benchmarks/bench_load.py                   # 500/1000/2000, all searchers
    python benchmarks/bench_load.py --quick           # 100/200/400, a smoke run
    python benchmarks/bench_load.py --searchers bayes --sizes 500 1000 2000

Writes ``benchmarks/results/load.md`` (``load_quick.md`` with --quick) and the
raw measurements next to it as JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

SEARCHERS = ["random", "evolution", "bayes", "sklearn-random"]
HERE = Path(__file__).resolve().parent


# -- one measured run (in a child process) ----------------------------------
def _searcher(name: str, n_iter: int):
    from scipy.stats import loguniform
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import KFold, RandomizedSearchCV

    from skhypertune import BayesSearchCV, EvolutionSearchCV
    from skhypertune._search import BaseHyperSearchCV
    from skhypertune.strategies import RandomStrategy

    class RandomSearchCV(BaseHyperSearchCV):
        """The shared loop with uniform proposals, 10 candidates per batch."""

        def _make_strategy(self, space, rng):
            return RandomStrategy(space, rng)

        def _batch_size(self):
            return 10

    space = {
        "alpha": loguniform(1e-4, 1e3),
        "tol": loguniform(1e-6, 1e-2),
        "fit_intercept": [True, False],
    }
    kw = dict(n_iter=n_iter, cv=KFold(2), random_state=0)
    cls = {
        "random": RandomSearchCV,
        "evolution": EvolutionSearchCV,
        "bayes": BayesSearchCV,
        "sklearn-random": RandomizedSearchCV,
    }[name]
    return _instrument(cls)(Ridge(), space, **kw)


def _instrument(cls):
    """A subclass that logs time spent inside and outside evaluate_candidates."""

    class Instrumented(cls):
        def _run_search(self, evaluate_candidates, callback_ctx=None):
            log = self._load_log = []
            start = time.perf_counter()
            inside = 0.0

            def timed(candidates, *args, **kwargs):
                nonlocal inside
                t = time.perf_counter()
                results = evaluate_candidates(candidates, *args, **kwargs)
                inside += time.perf_counter() - t
                fit_score = (
                    float(np.sum(results["mean_fit_time"] + results["mean_score_time"]))
                    * self.n_splits_
                )
                log.append(
                    (
                        len(results["params"]),
                        time.perf_counter() - start,
                        inside,
                        fit_score,
                    )
                )
                return results

            kw = {"callback_ctx": callback_ctx} if callback_ctx is not None else {}
            return super()._run_search(timed, **kw)

        def _make_strategy(self, space, rng):
            strategy = super()._make_strategy(space, rng)
            asks = self._ask_log = []
            ask = strategy.ask

            def timed_ask(n):
                t = time.perf_counter()
                out = ask(n)
                asks.append((len(strategy.y_), n, time.perf_counter() - t))
                return out

            strategy.ask = timed_ask
            return strategy

    Instrumented.__name__ = cls.__name__
    Instrumented.__qualname__ = cls.__qualname__
    return Instrumented


def run_one(name: str, n_iter: int) -> dict:
    """Fit one searcher; return its raw measurements."""
    import warnings

    from sklearn.datasets import make_regression
    from threadpoolctl import threadpool_limits

    X, y = make_regression(n_samples=40, n_features=3, noise=1.0, random_state=0)
    search = _searcher(name, n_iter)
    ckpt_dir = tempfile.mkdtemp()
    ckpt = os.path.join(ckpt_dir, "load.jsonl")
    if name != "sklearn-random":
        if "checkpoint" in search.get_params():
            search.set_params(checkpoint=ckpt)
        else:
            search.checkpoint = ckpt
    baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        search.fit(X, y)
        wall = time.perf_counter() - t
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    size = os.path.getsize(ckpt) if os.path.exists(ckpt) else None
    return {
        "searcher": name,
        "n_iter": n_iter,
        "n_evaluated": len(search.cv_results_["params"]),
        "wall": wall,
        "refit_time": float(getattr(search, "refit_time_", 0.0)),
        "log": search._load_log,
        "asks": getattr(search, "_ask_log", []),
        "baseline_rss_mb": baseline_kb / 1024,
        "peak_rss_mb": peak_kb / 1024,
        "checkpoint_bytes": size,
        "best_score": float(search.best_score_),
    }


# -- analysis ------------------------------------------------------------------
def windows(run: dict, sizes: list[int]) -> list[dict]:
    """Per-candidate costs between consecutive sizes (0-500, 500-1000, ...)."""
    log = np.array(run["log"], dtype=float)  # n, wall, inside, fit_score
    out = []
    prev = np.zeros(4)
    for size in sizes:
        rows = log[log[:, 0] <= size]
        if not len(rows):
            continue
        cur = rows[-1]
        dn = cur[0] - prev[0]
        if dn <= 0:
            continue
        d_wall, d_in, d_fs = cur[1] - prev[1], cur[2] - prev[2], cur[3] - prev[3]
        out.append(
            {
                "from": int(prev[0]),
                "to": int(cur[0]),
                "ours_ms": 1e3 * (d_wall - d_in) / dn,
                "sklearn_ms": 1e3 * (d_in - d_fs) / dn,
                "total_ms": 1e3 * (d_wall - d_fs) / dn,
            }
        )
        prev = cur
    return out


def ask_windows(run: dict, sizes: list[int]) -> list[dict]:
    asks = np.array(run["asks"], dtype=float).reshape(-1, 3)  # n_obs, n, seconds
    out = []
    lo = -1
    for size in sizes:
        sel = asks[(asks[:, 0] > lo) & (asks[:, 0] <= size)]
        lo = size
        if not len(sel):
            continue
        out.append(
            {
                "to": size,
                "calls": len(sel),
                "mean_ms": 1e3 * float(sel[:, 2].mean()),
                "p95_ms": 1e3 * float(np.percentile(sel[:, 2], 95)),
                "max_ms": 1e3 * float(sel[:, 2].max()),
                "per_point_ms": 1e3 * float(sel[:, 2].sum() / sel[:, 1].sum()),
            }
        )
    return out


def render(runs: list[dict], sizes: list[int], elapsed: float) -> str:
    lines = [
        "# Load benchmark: overhead, memory and checkpoint size at "
        f"{sizes[-1]} candidates",
        "",
        f"Generated by `python benchmarks/bench_load.py` on "
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, "
        f"{platform.machine()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, one BLAS thread, n_jobs=1"
        + (f"; {elapsed:.0f} s in all." if math.isfinite(elapsed) else "."),
        "",
        "Ridge on 40 samples x 3 features, `cv=KFold(2)`, space "
        "`alpha`~loguniform, `tol`~loguniform, `fit_intercept` in [True, False]. "
        "Our searches write a checkpoint (one fsync per batch). `random` is the "
        "shared loop with uniform proposals in batches of 10; `sklearn-random` "
        "is scikit-learn's RandomizedSearchCV (all candidates in one call), "
        "for reference.",
        "",
        "Overhead = wall time - fit and score time (refit excluded), per "
        "candidate, in windows of the run. *ours* is time outside "
        "`evaluate_candidates` (strategy ask/tell, decoding, duplicate checks, "
        "checkpoint writes, callbacks); *sklearn* is time inside it that is not "
        "fitting or scoring (clone, joblib dispatch, formatting `cv_results_`; "
        "our searches format only the new batch, where scikit-learn "
        "re-formats all results so far after every batch).",
        "",
        "| searcher | candidates | batches | wall s | fit+score s | "
        + " | ".join(f"ours ms/cand {w}" for w in _window_names(sizes))
        + " | "
        + " | ".join(f"sklearn ms/cand {w}" for w in _window_names(sizes))
        + " | peak RSS MB (+ during fit) | checkpoint KB (B/cand) |",
        "|---" * (7 + 2 * len(sizes)) + "|",
    ]
    for run in runs:
        w = windows(run, sizes)
        log = run["log"]
        fit_score = log[-1][3] if log else 0.0
        ckpt = run["checkpoint_bytes"]
        grown = run["peak_rss_mb"] - run["baseline_rss_mb"]
        ckpt_cell = (
            f"{ckpt / 1024:.0f} ({ckpt / run['n_evaluated']:.0f})"
            if ckpt is not None
            else "-"
        )
        ours = [f"{x['ours_ms']:.2f}" for x in w] + [""] * (len(sizes) - len(w))
        skl = [f"{x['sklearn_ms']:.2f}" for x in w] + [""] * (len(sizes) - len(w))
        lines.append(
            f"| {run['searcher']} | {run['n_evaluated']} | {len(log)} | "
            f"{run['wall']:.1f} | {fit_score:.1f} | "
            + " | ".join(ours)
            + " | "
            + " | ".join(skl)
            + f" | {run['peak_rss_mb']:.0f} (+{grown:.0f}) | {ckpt_cell} |"
        )
    lines += ["", "## Growth", ""]
    lines.append(
        "Ratio of the per-candidate overhead in the last window to the first. "
        "About 1 means the total grows linearly with the number of candidates; "
        "a ratio near the size ratio would mean quadratic growth."
    )
    lines.append("")
    lines.append("| searcher | ours: last / first | sklearn: last / first |")
    lines.append("|---|---|---|")
    for run in runs:
        w = windows(run, sizes)
        if len(w) >= 2:
            lines.append(
                f"| {run['searcher']} | "
                f"{w[-1]['ours_ms'] / max(w[0]['ours_ms'], 1e-9):.2f} | "
                f"{w[-1]['sklearn_ms'] / max(w[0]['sklearn_ms'], 1e-9):.2f} |"
            )
    bayes = [r for r in runs if r["searcher"] == "bayes" and r["asks"]]
    if bayes:
        lines += [
            "",
            "## Gaussian-process proposals (BayesSearchCV)",
            "",
            "Time of each `ask` call of the GP strategy, grouped by the number "
            "of observations it had. The GP caps its cost (hyperparameters on "
            "a subset of the observations, refitted every few proposals); the "
            "target is under 100 ms per proposal at 2,000 candidates.",
            "",
            "| observations up to | calls | mean ms | p95 ms | max ms | ms per point |",
            "|---|---|---|---|---|---|",
        ]
        for a in ask_windows(bayes[0], sizes):
            lines.append(
                f"| {a['to']} | {a['calls']} | {a['mean_ms']:.1f} | "
                f"{a['p95_ms']:.1f} | {a['max_ms']:.1f} | {a['per_point_ms']:.1f} |"
            )
    lines.append("")
    return "\n".join(lines)


def _window_names(sizes):
    names, lo = [], 0
    for s in sizes:
        names.append(f"{lo}-{s}")
        lo = s
    return names


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 1000, 2000])
    parser.add_argument("--searchers", nargs="+", default=SEARCHERS)
    parser.add_argument("--quick", action="store_true", help="sizes 100 200 400")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--child", nargs=2, metavar=("SEARCHER", "N"))
    parser.add_argument(
        "--report-only", action="store_true", help="re-render from the JSON"
    )
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_one(args.child[0], int(args.child[1]))))
        return
    sizes = [100, 200, 400] if args.quick else sorted(args.sizes)
    stem = "load_quick" if args.quick else "load"
    if args.report_only:
        runs = json.loads((args.out / f"{stem}.json").read_text())
        report = render(runs, sizes, math.nan)
        (args.out / f"{stem}.md").write_text(report)
        print(report)
        return
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    runs = []
    start = time.perf_counter()
    for name in args.searchers:
        print(f"{name}: {sizes[-1]} candidates ...", flush=True)
        proc = subprocess.run(
            [sys.executable, __file__, "--child", name, str(sizes[-1])],
            capture_output=True,
            text=True,
            env=env,
        )
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            raise SystemExit(f"{name} failed")
        run = json.loads(proc.stdout.strip().splitlines()[-1])
        runs.append(run)
        print(
            f"  wall {run['wall']:.1f}s, peak {run['peak_rss_mb']:.0f} MB", flush=True
        )
    elapsed = time.perf_counter() - start
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{stem}.json").write_text(json.dumps(runs))
    report = render(runs, sizes, elapsed)
    (args.out / f"{stem}.md").write_text(report)
    print(report)


if __name__ == "__main__":
    main()
