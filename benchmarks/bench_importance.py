"""Accuracy, Optuna agreement and cost of skhypertune's fANOVA importances.

Three measurements, written to ``benchmarks/results/importance.md``:

1. **Accuracy on synthetic objectives** whose functional-ANOVA decomposition
   is known analytically (additive functions with known per-term variances,
   an interaction, a categorical and a conditional space, and a harder
   8-dimensional one). 200 random samples per run (``ParameterSampler``, as
   RandomizedSearchCV draws them), several seeds. Error = largest absolute
   difference between an estimated and the true share, over parameters and
   seeds. Estimated with the search space's prior (``param_distributions``
   given, what ``param_importances_`` does) and from the ``cv_results_``
   alone (empirical measure); Optuna's ``FanovaImportanceEvaluator`` on the
   same trials for reference.
2. **Rank agreement with Optuna's fANOVA** on scikit-learn tuning tasks: a
   ``RandomizedSearchCV`` run, its trials given to both; Spearman and Kendall
   correlation of the importance vectors, and whether the most important
   parameter agrees.
3. **Cost**: time of ``param_importances`` relative to the search's wall time.

Run from the repository root (Optuna is needed for the comparisons; they are
reported as skipped without it)::

    python benchmarks/bench_importance.py            # full: 10 seeds, 3 per task
    python benchmarks/bench_importance.py --quick    # 3 seeds, 1 per task
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from scipy.stats import kendalltau, loguniform, randint, spearmanr, uniform
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import ParameterSampler, RandomizedSearchCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler
from sklearn.svm import SVC

import skhypertune
from skhypertune import param_importances

try:
    import optuna
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )
    from optuna.importance import FanovaImportanceEvaluator

    optuna.logging.set_verbosity(optuna.logging.WARNING)
except ImportError:  # pragma: no cover - bench extra missing
    optuna = None

RESULTS = Path(__file__).parent / "results"


# -- 1. synthetic objectives with known decompositions -------------------------
def _shares(var: dict) -> dict:
    total = sum(var.values())
    return {k: v / total for k, v in var.items()}


U = uniform(0, 1)
LEVELS = {"a": 0.0, "b": 1.0, "c": 3.0}
SYNTHETIC = {
    # name: (space, f, true main-effect shares, true pair share or None, note)
    "linear": (
        {"x1": U, "x2": U, "x3": U},
        lambda p: p["x1"] + 2 * p["x2"] + 3 * p["x3"],
        _shares({"x1": 1 / 12, "x2": 4 / 12, "x3": 9 / 12}),
        None,
        "x1 + 2 x2 + 3 x3",
    ),
    "nonlinear": (
        {"x1": U, "x2": U, "x3": U, "x4": U},
        lambda p: np.sin(2 * np.pi * p["x1"]) + p["x2"] ** 2 + 0.5 * p["x3"],
        _shares({"x1": 1 / 2, "x2": 4 / 45, "x3": 1 / 48, "x4": 0.0}),
        None,
        "sin(2 pi x1) + x2^2 + x3/2, x4 unused",
    ),
    "categorical": (
        {"cat": ["a", "b", "c"], "x1": U},
        lambda p: LEVELS[p["cat"]] + 2 * p["x1"],
        _shares({"cat": 14 / 9, "x1": 1 / 3}),
        None,
        "{a: 0, b: 1, c: 3}[cat] + 2 x1",
    ),
    "interaction": (
        {"x1": U, "x2": U, "x3": U},
        lambda p: (
            p["x1"] + p["x2"] + 4 * (p["x1"] - 0.5) * (p["x2"] - 0.5) + 0.5 * p["x3"]
        ),
        _shares({"x1": 1 / 12, "x2": 1 / 12, "x3": 1 / 48}),
        (("x1", "x2"), (1 / 9) / (1 / 12 + 1 / 12 + 1 / 48 + 1 / 9)),
        "x1 + x2 + 4 (x1-.5)(x2-.5) + x3/2",
    ),
    "conditional": (
        [
            {"kernel": ["lin"], "C": U},
            {"kernel": ["rbf"], "C": U, "gamma": U},
        ],
        lambda p: p["C"] + p.get("gamma", 0.0),
        _shares({"C": 1 / 12, "kernel": 1 / 16, "gamma": 1 / 48}),
        None,
        "C + [kernel = rbf] gamma, gamma only active for rbf",
    ),
    "quadratic-8d": (
        {f"x{i}": U for i in range(8)},
        lambda p: sum((i + 1) * p[f"x{i}"] ** 2 for i in range(8)),
        _shares({f"x{i}": (i + 1) ** 2 * 4 / 45 for i in range(8)}),
        None,
        "sum (i+1) x_i^2, 8 dims (harder: 200 samples in 8-D)",
    ),
}


def _optuna_distribution(prior):
    if isinstance(prior, list):
        return CategoricalDistribution(prior)
    name = prior.dist.name
    if name == "randint":
        low, high = prior.args
        return IntDistribution(int(low), int(high) - 1)
    if name == "loguniform":
        return FloatDistribution(*map(float, prior.args), log=True)
    if name == "uniform":
        loc, scale = (list(prior.args) + [0.0, 1.0])[:2]
        return FloatDistribution(float(loc), float(loc + scale))
    raise ValueError(f"no Optuna equivalent for {name}")


def _optuna_importances(params, scores, space, seed):
    dists = {k: _optuna_distribution(v) for k, v in space.items()}
    study = optuna.create_study(direction="maximize")
    study.add_trials(
        [
            optuna.trial.create_trial(
                params=p, distributions={k: dists[k] for k in p}, value=float(v)
            )
            for p, v in zip(params, scores)
            if np.isfinite(v)
        ]
    )
    return optuna.importance.get_param_importances(
        study, evaluator=FanovaImportanceEvaluator(seed=seed), normalize=True
    )


def synthetic_accuracy(seeds: list[int], n: int = 200) -> list[dict]:
    rows = []
    for name, (space, f, truth, pair, note) in SYNTHETIC.items():
        err = {"prior": [], "empirical": [], "optuna": []}
        pair_err, times = [], []
        for seed in seeds:
            params = list(ParameterSampler(space, n, random_state=seed))
            scores = np.array([f(p) for p in params])
            res = {"params": params, "mean_test_score": scores}
            t0 = time.perf_counter()
            prior = param_importances(res, param_distributions=space, random_state=seed)
            times.append(time.perf_counter() - t0)
            emp = param_importances(res, random_state=seed)
            err["prior"].append(max(abs(prior[k] - v) for k, v in truth.items()))
            err["empirical"].append(max(abs(emp[k] - v) for k, v in truth.items()))
            if pair is not None:
                both = param_importances(
                    res, param_distributions=space, interactions=True, random_state=seed
                )
                pair_err.append(abs(both[pair[0]] - pair[1]))
            if optuna is not None and isinstance(space, dict):
                opt = _optuna_importances(params, scores, space, seed)
                err["optuna"].append(
                    max(abs(opt.get(k, 0.0) - v) for k, v in truth.items())
                )
        rows.append(
            {
                "function": name,
                "note": note,
                "truth": truth,
                "max_prior": max(err["prior"]),
                "mean_prior": float(np.mean(err["prior"])),
                "max_empirical": max(err["empirical"]),
                "mean_empirical": float(np.mean(err["empirical"])),
                "max_optuna": max(err["optuna"]) if err["optuna"] else None,
                "mean_optuna": float(np.mean(err["optuna"])) if err["optuna"] else None,
                "pair_err": max(pair_err) if pair_err else None,
                "time": float(np.median(times)),
            }
        )
        print(f"  {name}: max err prior {rows[-1]['max_prior']:.3f}", flush=True)
    return rows


# -- 2./3. scikit-learn tuning tasks -----------------------------------------------
def _tasks():
    digits = load_digits(return_X_y=True)
    cancer = load_breast_cancer(return_X_y=True)
    wine = load_wine(return_X_y=True)
    diabetes = load_diabetes(return_X_y=True)
    return {
        "svc_digits": (
            SVC(),
            {
                "C": loguniform(1e-2, 1e3),
                "gamma": loguniform(1e-5, 1e0),
                "kernel": ["rbf", "sigmoid"],
            },
            digits,
            "accuracy",
        ),
        "rf_breast_cancer": (
            RandomForestClassifier(n_estimators=25, random_state=0),
            {
                "max_depth": randint(1, 12),
                "min_samples_leaf": randint(1, 30),
                "max_features": uniform(0.05, 0.9),
                "criterion": ["gini", "entropy"],
            },
            cancer,
            "accuracy",
        ),
        "knn_wine": (
            Pipeline([("scale", StandardScaler()), ("knn", KNeighborsClassifier())]),
            {
                "knn__n_neighbors": randint(1, 60),
                "knn__weights": ["uniform", "distance"],
                "knn__p": [1, 2],
            },
            wine,
            "accuracy",
        ),
        "logreg_breast_cancer": (
            Pipeline(
                [
                    ("scale", StandardScaler()),
                    ("clf", LogisticRegression(solver="liblinear")),
                ]
            ),
            {
                "clf__C": loguniform(1e-4, 1e2),
                "clf__penalty": ["l1", "l2"],
                "clf__intercept_scaling": loguniform(1e-2, 1e1),
            },
            cancer,
            "accuracy",
        ),
        "ridge_poly_diabetes": (
            Pipeline(
                [
                    ("poly", PolynomialFeatures()),
                    ("scale", StandardScaler()),
                    ("ridge", Ridge()),
                ]
            ),
            {
                "poly__degree": [1, 2, 3],
                "ridge__alpha": loguniform(1e-3, 1e4),
                "poly__interaction_only": [True, False],
            },
            diabetes,
            "r2",
        ),
    }


def tasks_agreement(seeds: list[int], n_iter: int, n_jobs: int) -> list[dict]:
    rows = []
    for name, (est, space, (X, y), scoring) in _tasks().items():
        for seed in seeds:
            search = RandomizedSearchCV(
                est,
                space,
                n_iter=n_iter,
                cv=3,
                scoring=scoring,
                random_state=seed,
                n_jobs=n_jobs,
            )
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                search.fit(X, y)
            wall = time.perf_counter() - t0
            res = search.cv_results_
            t0 = time.perf_counter()
            ours = param_importances(res, param_distributions=space, random_state=seed)
            t_ours = time.perf_counter() - t0
            t0 = time.perf_counter()
            ours_emp = param_importances(res, random_state=seed)
            t_emp = time.perf_counter() - t0
            row = {
                "task": name,
                "seed": seed,
                "n": len(res["params"]),
                "wall": wall,
                "t_ours": t_ours,
                "t_emp": t_emp,
                "ours": ours,
            }
            if optuna is not None:
                t0 = time.perf_counter()
                opt = _optuna_importances(
                    res["params"], res["mean_test_score"], space, seed
                )
                row["t_optuna"] = time.perf_counter() - t0
                names = sorted(space)
                a = [ours[k] for k in names]
                b = [opt.get(k, 0.0) for k in names]
                row["spearman"] = float(spearmanr(a, b)[0])
                row["kendall"] = float(kendalltau(a, b)[0])
                row["top1"] = max(ours, key=ours.get) == max(opt, key=opt.get)
                row["max_diff"] = float(np.max(np.abs(np.subtract(a, b))))
                row["optuna"] = opt
                ae = [ours_emp[k] for k in names]
                row["spearman_emp"] = float(spearmanr(ae, b)[0])
            rows.append(row)
            print(
                f"  {name} seed {seed}: search {wall:.1f}s, ours {t_ours:.2f}s"
                + (f", spearman {row['spearman']:.2f}" if "spearman" in row else ""),
                flush=True,
            )
    return rows


# -- output ---------------------------------------------------------------------
def _f(v, fmt=".3f"):
    return (
        "–" if v is None or (isinstance(v, float) and np.isnan(v)) else format(v, fmt)
    )


def write_markdown(path: Path, synth, tasks, args, elapsed) -> None:
    import sklearn

    lines = [
        "# Hyperparameter importances (fANOVA): accuracy, agreement with Optuna, cost",
        "",
        f"Generated {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by "
        f"`python benchmarks/bench_importance.py{' --quick' if args.quick else ''}` "
        f"on {platform.machine()}, Python {platform.python_version()}; run time "
        f"{elapsed:.0f} s. Versions: scikit-learn {sklearn.__version__}, "
        f"skhypertune {skhypertune.__version__}, optuna "
        f"{optuna.__version__ if optuna else 'not installed'}. Shared machine: "
        "times are noisy.",
        "",
        "## 1. Accuracy on objectives with a known decomposition",
        "",
        f"{args.n_samples} random samples per run (`ParameterSampler`), seeds "
        f"{args.seeds_synthetic}. Error = max over parameters and seeds of "
        "|estimated share − true share| (shares of the main-effect variance, "
        "summing to one). *prior*: `param_importances(cv_results, "
        "param_distributions=space)` (what `param_importances_` does); "
        "*empirical*: from `cv_results_` alone, each value weighted by how often "
        "it was sampled; *Optuna*: `FanovaImportanceEvaluator` on the same trials "
        "(not run on the conditional space). Target: max error ≤ 0.05.",
        "",
        "| function | max err (prior) | mean err (prior) | max err (empirical) "
        "| max err (Optuna) | mean err (Optuna) | pair share err | time / call (s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in synth:
        lines.append(
            f"| {r['function']}: {r['note']} | **{_f(r['max_prior'])}** | "
            f"{_f(r['mean_prior'])} | {_f(r['max_empirical'])} | "
            f"{_f(r['max_optuna'])} | {_f(r['mean_optuna'])} | "
            f"{_f(r['pair_err'])} | {_f(r['time'], '.2f')} |"
        )
    lines += [
        "",
        "True shares: "
        + "; ".join(
            f"{r['function']} "
            + ", ".join(f"{k} {v:.3f}" for k, v in r["truth"].items())
            for r in synth
        )
        + ".",
        "",
        "## 2. Rank agreement with Optuna's fANOVA on scikit-learn tuning tasks",
        "",
        f"`RandomizedSearchCV(n_iter={args.n_iter}, cv=3, n_jobs={args.n_jobs})` "
        "per task and seed "
        f"(seeds {args.seeds_tasks}); both importance methods get the same trials "
        "and the same search-space ranges. Spearman/Kendall over the task's "
        "parameters, mean over seeds; top-1 = same most important parameter.",
        "",
    ]
    if optuna is None:
        lines.append("Optuna is not installed: comparison skipped.")
    else:
        lines += [
            "| task | params | Spearman | Kendall | top-1 agree | max share diff "
            "| Spearman (empirical) | ours (prior), seed 0 | Optuna, seed 0 |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for task in dict.fromkeys(r["task"] for r in tasks):
            rs = [r for r in tasks if r["task"] == task]
            first = rs[0]
            lines.append(
                f"| {task} | {len(first['ours'])} | "
                f"{_f(np.nanmean([r['spearman'] for r in rs]), '.2f')} | "
                f"{_f(np.nanmean([r['kendall'] for r in rs]), '.2f')} | "
                f"{sum(r['top1'] for r in rs)}/{len(rs)} | "
                f"{_f(np.mean([r['max_diff'] for r in rs]), '.2f')} | "
                f"{_f(np.nanmean([r['spearman_emp'] for r in rs]), '.2f')} | "
                + ", ".join(
                    f"{k.split('__')[-1]} {v:.2f}" for k, v in first["ours"].items()
                )
                + " | "
                + ", ".join(
                    f"{k.split('__')[-1]} {v:.2f}"
                    for k, v in sorted(first["optuna"].items(), key=lambda kv: -kv[1])
                )
                + " |"
            )
        allr = [r for r in tasks]
        lines += [
            "",
            f"Over all {len(allr)} runs: mean Spearman "
            f"{np.nanmean([r['spearman'] for r in allr]):.2f}, mean Kendall "
            f"{np.nanmean([r['kendall'] for r in allr]):.2f}, top-1 agreement "
            f"{sum(r['top1'] for r in allr)}/{len(allr)}.",
        ]
    lines += [
        "",
        "## 3. Cost relative to the search",
        "",
        "| task | candidates | search wall (s) | importances, prior (s) "
        "| share of search | importances, empirical (s) | Optuna fANOVA (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for task in dict.fromkeys(r["task"] for r in tasks):
        rs = [r for r in tasks if r["task"] == task]
        wall = np.mean([r["wall"] for r in rs])
        t = np.mean([r["t_ours"] for r in rs])
        t_opt = np.mean([r["t_optuna"] for r in rs]) if "t_optuna" in rs[0] else None
        lines.append(
            f"| {task} | {rs[0]['n']} | {wall:.1f} | {t:.2f} | {100 * t / wall:.1f}% | "
            f"{np.mean([r['t_emp'] for r in rs]):.2f} | "
            f"{_f(t_opt, '.2f')} |"
        )
    lines += [
        "",
        "`param_importances_` is computed lazily on first access, so `fit` itself "
        "pays nothing; the column *share of search* is what the first access "
        "costs relative to the search's wall time.",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 seeds, 1 per task")
    parser.add_argument("--n-iter", type=int, default=60)
    parser.add_argument("--n-samples", type=int, default=200)
    parser.add_argument("--task-seeds", type=int, default=3, metavar="K")
    parser.add_argument("--n-jobs", type=int, default=2, help="for the searches")
    parser.add_argument("--out", default=str(RESULTS / "importance.md"))
    args = parser.parse_args(argv)
    args.seeds_synthetic = list(range(3 if args.quick else 10))
    args.seeds_tasks = list(range(1 if args.quick else args.task_seeds))
    start = time.perf_counter()
    print("synthetic objectives", flush=True)
    synth = synthetic_accuracy(args.seeds_synthetic, args.n_samples)
    print("scikit-learn tasks", flush=True)
    tasks = tasks_agreement(args.seeds_tasks, args.n_iter, args.n_jobs)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_markdown(out, synth, tasks, args, time.perf_counter() - start)
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
