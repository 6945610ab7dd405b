"""Successive halving, Hyperband and model-guided Hyperband at equal compute.

Searchers (all on the same task, seed, CV splitter and scoring):

* ``random``: scikit-learn's RandomizedSearchCV, every candidate at the full
  resource;
* ``sk-halving``: scikit-learn's experimental HalvingRandomSearchCV;
* ``halving``: skhypertune's HalvingRandomSearchCV with the same settings;
* ``hyperband``: skhypertune's HyperbandSearchCV (random sampling);
* ``bohb``: HyperbandSearchCV(sampler="bayes"), later brackets proposed by
  the Gaussian-process strategy;
* ``bohb-sh``: HyperbandSearchCV(sampler="bayes", n_brackets=1) with as many
  rounds as the budget allows: scikit-learn's aggressive single bracket,
  repeated, each round after the first proposed by the model.

Equal compute: the budget is the resource Hyperband spends in ``ROUNDS``
rounds (sum over fits of the resource, per CV split). Random search gets
``budget // max_resources`` candidates; both halving searches get the largest
``n_candidates`` whose schedule (identical in both, see the tests) stays
within the budget. The table reports the resource actually spent and the
measured fit time so that "equal" can be checked.

Score: each search's ``best_params_`` is re-scored at the full resource with
the task's CV splitter (the same for all searchers), so scores of halving
searches, whose last iteration may stop below the full resource, are
comparable. Normalised score per task: mean of random search = 0, best score
ever seen on the task (any searcher, any seed) = 100. The held-out test
score of the refitted model is reported as well.

Run: ``python benchmarks/bench_halving.py`` (``--quick`` for a smoke run,
``--resume`` to continue an interrupted run); writes
``benchmarks/results/halving.md`` and one JSON line per run in
``benchmarks/results/halving.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import loguniform, randint, uniform
from sklearn.base import clone
from sklearn.datasets import load_digits, make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import (
    HalvingRandomSearchCV as SkHalvingRandomSearchCV,
)
from sklearn.model_selection import (
    RandomizedSearchCV,
    StratifiedKFold,
    cross_val_score,
    train_test_split,
)
from sklearn.neural_network import MLPClassifier

from skhypertune import HalvingRandomSearchCV, HyperbandSearchCV
from skhypertune.strategies.halving import plan_halving, plan_hyperband

FACTOR = 3
ROUNDS = 2
N_SPLITS = 3
RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Task:
    name: str
    X: np.ndarray
    y: np.ndarray
    estimator: Any
    space: dict
    resource: str
    max_resources: int | str
    min_resources: int
    note: str


def _digits_mlp() -> Task:
    X, y = load_digits(return_X_y=True)
    return Task(
        name="digits-mlp",
        X=X / 16.0,
        y=y,
        estimator=MLPClassifier(random_state=0, tol=0.0, n_iter_no_change=1000),
        space={
            "hidden_layer_sizes": [(16,), (32,), (64,), (32, 16)],
            "alpha": loguniform(1e-6, 1e1),
            "learning_rate_init": loguniform(1e-5, 1e0),
            "batch_size": [32, 64, 128, 256],
            "activation": ["relu", "tanh", "logistic"],
        },
        resource="max_iter",
        max_resources=27,
        min_resources=1,
        note="MLPClassifier on digits (1797 x 64), resource max_iter (epochs) 1..27",
    )


def _synthetic_hgb() -> Task:
    X, y = make_classification(
        n_samples=20000,
        n_features=20,
        n_informative=8,
        n_redundant=4,
        flip_y=0.03,
        class_sep=0.8,
        random_state=0,
    )
    return Task(
        name="synthetic20k-hgb",
        X=X,
        y=y,
        estimator=HistGradientBoostingClassifier(
            max_iter=30, early_stopping=False, random_state=0
        ),
        space={
            "learning_rate": loguniform(1e-3, 1e0),
            "max_leaf_nodes": randint(2, 128),
            "min_samples_leaf": randint(1, 300),
            "l2_regularization": loguniform(1e-8, 1e1),
            "max_features": uniform(0.1, 0.9),
        },
        resource="n_samples",
        max_resources="auto",
        min_resources=555,  # 15000 training rows / 27
        note=(
            "HistGradientBoostingClassifier(max_iter=30) on make_classification "
            "20k rows (15k train), resource n_samples 555..15000"
        ),
    )


TASKS = {"digits-mlp": _digits_mlp, "synthetic20k-hgb": _synthetic_hgb}


def _max_resources(task: Task, n_train: int) -> int:
    return n_train if task.max_resources == "auto" else int(task.max_resources)


def budget(task: Task, n_train: int) -> int:
    """Resource (per CV split) Hyperband spends in ROUNDS rounds."""
    plans = plan_hyperband(
        factor=FACTOR,
        min_resources=task.min_resources,
        max_resources=_max_resources(task, n_train),
    )
    return ROUNDS * sum(p.total_resources for p in plans)


def halving_candidates(task: Task, n_train: int, total: int) -> int:
    """Largest n_candidates whose halving schedule fits in ``total``."""
    best = 1
    for n in range(1, 5000):
        plan = plan_halving(
            n,
            factor=FACTOR,
            min_resources=task.min_resources,
            max_resources=_max_resources(task, n_train),
        )
        if plan.total_resources > total:
            break
        best = n
    return best


def build(name: str, task: Task, n_train: int, cv, seed: int):
    total = budget(task, n_train)
    common = dict(cv=cv, random_state=seed, n_jobs=2)
    est = clone(task.estimator)
    if name == "random":
        if task.resource != "n_samples":
            est.set_params(**{task.resource: _max_resources(task, n_train)})
        n_iter = total // _max_resources(task, n_train)
        return RandomizedSearchCV(est, task.space, n_iter=n_iter, **common)
    halving = dict(
        factor=FACTOR,
        resource=task.resource,
        max_resources=task.max_resources,
        min_resources=task.min_resources,
        return_train_score=False,
        **common,
    )
    if name in ("sk-halving", "halving"):
        cls = SkHalvingRandomSearchCV if name == "sk-halving" else HalvingRandomSearchCV
        n = halving_candidates(task, n_train, total)
        return cls(est, task.space, n_candidates=n, **halving)
    if name == "bohb-sh":
        # Only the most exploratory bracket, repeated: successive halving
        # whose later rounds are proposed by the model.
        first = plan_hyperband(
            factor=FACTOR,
            min_resources=task.min_resources,
            max_resources=_max_resources(task, n_train),
        )[0]
        return HyperbandSearchCV(
            est,
            task.space,
            n_brackets=1,
            n_rounds=max(total // first.total_resources, 1),
            sampler="bayes",
            **halving,
        )
    sampler = "bayes" if name == "bohb" else "random"
    return HyperbandSearchCV(
        est, task.space, n_rounds=ROUNDS, sampler=sampler, **halving
    )


SEARCHERS = ["random", "sk-halving", "halving", "hyperband", "bohb", "bohb-sh"]


def resource_spent(search, task: Task, n_train: int) -> int:
    res = search.cv_results_
    if "n_resources" in res:
        return int(np.sum(res["n_resources"]))
    return len(res["params"]) * _max_resources(task, n_train)


def run_one(task: Task, name: str, seed: int) -> dict:
    X_tr, X_te, y_tr, y_te = train_test_split(
        task.X, task.y, test_size=0.25, random_state=seed, stratify=task.y
    )
    cv = StratifiedKFold(N_SPLITS, shuffle=True, random_state=seed)
    search = build(name, task, len(X_tr), cv, seed)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)
        search.fit(X_tr, y_tr)
    wall = time.perf_counter() - start
    res = search.cv_results_
    fit_time = float(np.sum(res["mean_fit_time"]) * N_SPLITS)
    best = clone(task.estimator).set_params(**search.best_params_)
    if task.resource != "n_samples":
        best.set_params(**{task.resource: _max_resources(task, len(X_tr))})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        val = float(cross_val_score(best, X_tr, y_tr, cv=cv, n_jobs=2).mean())
        test = float(best.fit(X_tr, y_tr).score(X_te, y_te))
    return {
        "task": task.name,
        "searcher": name,
        "seed": seed,
        "val": val,
        "test": test,
        "spent": resource_spent(search, task, len(X_tr)),
        "budget": budget(task, len(X_tr)),
        "n_candidates": len({repr(sorted(p.items())) for p in res["params"]}),
        "fit_time": fit_time,
        "wall": wall,
    }


def normalise(rows: list[dict], key: str) -> None:
    for task in {r["task"] for r in rows}:
        mine = [r for r in rows if r["task"] == task]
        zero = np.mean([r[key] for r in mine if r["searcher"] == "random"])
        top = max(r[key] for r in mine)
        span = top - zero if top > zero else 1.0
        for r in mine:
            r[f"norm_{key}"] = 100.0 * (r[key] - zero) / span


def report(rows: list[dict], tasks: list[Task], seeds: list[int]) -> str:
    normalise(rows, "val")
    normalise(rows, "test")
    lines = [
        "# Successive halving, Hyperband and BOHB-style search at equal compute",
        "",
        f"Seeds {seeds}; factor {FACTOR}; {N_SPLITS}-fold stratified CV; "
        f"budget = resource of {ROUNDS} Hyperband rounds (per CV split); "
        "n_jobs=2.",
        "`val`: best_params_ re-scored at the full resource with the task's CV "
        "(normalised: mean of random search = 0, best seen on the task = 100). "
        "`test`: held-out accuracy of the refitted model (25% split). "
        "`spent`: resource spent / budget. `fit s`: summed fit time of the "
        "search's CV fits. `wall s`: wall time of `fit`.",
        "",
    ]
    for t in tasks:
        lines.append(f"- **{t.name}**: {t.note}")
    lines.append("")
    header = (
        "| task | searcher | norm val | val | norm test | test | candidates "
        "| spent | fit s | wall s |"
    )
    lines += [header, "|" + "---|" * 10]
    for t in tasks:
        for name in SEARCHERS:
            mine = [r for r in rows if r["task"] == t.name and r["searcher"] == name]
            if not mine:
                continue

            def m(key, mine=mine):
                return float(np.mean([r[key] for r in mine]))

            def sd(key, mine=mine):
                return float(np.std([r[key] for r in mine]))

            lines.append(
                f"| {t.name} | {name} | {m('norm_val'):.1f} ± {sd('norm_val'):.1f} "
                f"| {m('val'):.4f} | {m('norm_test'):.1f} | {m('test'):.4f} "
                f"| {m('n_candidates'):.0f} | {m('spent') / m('budget'):.2f} "
                f"| {m('fit_time'):.1f} | {m('wall'):.1f} |"
            )
    lines += ["", "## Mean over tasks", ""]
    lines += [
        "| searcher | mean norm val | mean norm test | fit s | wall s |",
        "|---|---|---|---|---|",
    ]
    for name in SEARCHERS:
        mine = [r for r in rows if r["searcher"] == name]
        if not mine:
            continue
        lines.append(
            f"| {name} | {np.mean([r['norm_val'] for r in mine]):.1f} "
            f"| {np.mean([r['norm_test'] for r in mine]):.1f} "
            f"| {np.mean([r['fit_time'] for r in mine]):.1f} "
            f"| {np.mean([r['wall'] for r in mine]):.1f} |"
        )
    sk = [r["norm_val"] for r in rows if r["searcher"] == "sk-halving"]
    for name in ("bohb", "bohb-sh"):
        mine = [r["norm_val"] for r in rows if r["searcher"] == name]
        if sk and mine:
            verdict = "higher" if np.mean(mine) > np.mean(sk) else "NOT higher"
            lines.append(
                f"\nModel-guided `{name}`: mean normalised val {np.mean(mine):.1f}, "
                f"{verdict} than scikit-learn's HalvingRandomSearchCV "
                f"({np.mean(sk):.1f}) at equal resource."
            )
    lines += ["", "## Every run", ""]
    lines += [
        "| task | searcher | seed | val | test | spent/budget | fit s | wall s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['task']} | {r['searcher']} | {r['seed']} | {r['val']:.4f} "
            f"| {r['test']:.4f} | {r['spent'] / r['budget']:.2f} "
            f"| {r['fit_time']:.1f} | {r['wall']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--tasks", nargs="*", default=list(TASKS))
    parser.add_argument("--searchers", nargs="*", default=SEARCHERS)
    parser.add_argument("--quick", action="store_true", help="one seed, one task")
    parser.add_argument("--out", default=str(RESULTS / "halving.md"))
    parser.add_argument(
        "--resume", action="store_true", help="keep the runs already in <out>.jsonl"
    )
    args = parser.parse_args(argv)
    seeds = [0] if args.quick else list(range(args.seeds))
    tasks = [TASKS[t]() for t in (args.tasks[:1] if args.quick else args.tasks)]
    rows_path = Path(args.out).with_suffix(".jsonl")
    rows = []
    if args.resume and rows_path.exists():
        rows = [json.loads(line) for line in rows_path.read_text().splitlines()]
    elif rows_path.exists():
        rows_path.unlink()
    done = {(r["task"], r["searcher"], r["seed"]) for r in rows}
    start = time.perf_counter()
    for task in tasks:
        for seed in seeds:
            for name in args.searchers:
                if (task.name, name, seed) in done:
                    continue
                row = run_one(task, name, seed)
                rows.append(row)
                with rows_path.open("a") as fh:
                    fh.write(json.dumps(row) + "\n")
                print(
                    f"{task.name:18s} {name:11s} seed {seed} val {row['val']:.4f} "
                    f"test {row['test']:.4f} spent {row['spent'] / row['budget']:.2f}"
                    f" wall {row['wall']:.1f}s",
                    flush=True,
                )
    rows = [r for r in rows if r["task"] in {t.name for t in tasks}]
    text = report(rows, tasks, seeds)
    text += f"\nBenchmark time of this invocation: {time.perf_counter() - start:.0f}"
    text += f" s on {os.cpu_count()} CPUs (sum of wall times of all runs: "
    text += f"{sum(r['wall'] for r in rows):.0f} s).\n"
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
