"""How a portfolio fills the parameters it does not set, checked off the benchmark.

A portfolio configuration sets the parameters of the estimator it was derived
for; a pipeline's earlier steps (``poly__degree``, ``pca__n_components``) and
any other searched parameter are left open. This script compares two rules
for them, on data that is neither a benchmark task nor a derivation dataset
(synthetic sets with seeds 3xx; search seeds 100 and up, not the benchmark's):

* ``fixed`` (``open_values="estimator"``): every configuration keeps the
  estimator's value (BayesSearchCV's rule, and EvolutionSearchCV's before
  2026-12-03, when every Ridge configuration of ``ridge_poly_diabetes`` used
  ``degree=2`` and the portfolio differed in ``alpha`` alone);
* ``spread`` (``open_values="spread"``): the first configuration keeps it,
  the others take points of a low-discrepancy sequence (EvolutionSearchCV's
  rule);
* ``steps``: the searcher's own rule (``fixed`` for BayesSearchCV,
  ``spread`` for EvolutionSearchCV) with the step portfolios of
  ``PolynomialFeatures``, ``PCA`` and ``SelectKBest``, which give those
  steps' parameters settings derived on other data (what the library does
  since the step portfolios came in; ``fixed`` and ``spread`` run without
  them, as before).

BayesSearchCV and EvolutionSearchCV run with ``initial_design="auto"`` under
each rule, beside RandomizedSearchCV (the normalised score's 0; 100 = the
best CV score seen with the same seed, averaged over seeds, as in
``bench_search.py``), at budgets 10 and 20. Caveat for ``steps``: the
derivation data include friedman2 and friedman3 sets (other seeds and sizes
than the two ``poly_ridge`` tasks here).

``--suite share`` asks another question on other data: how much of the budget
should the portfolio get? Seven estimators with a portfolio, each with the
search space of a benchmark task, on synthetic data with seeds 4xx
(:data:`SHARE_TASKS`), at budgets 10, 20 and 40:

* ``*_initial``: the portfolio fills the initial design only (BayesSearchCV's
  ``n_initial_points`` capped at ``n_iter // 4``, half of EvolutionSearchCV's
  first generation);
* ``evolution_later``: the rest of the portfolio then comes one configuration
  per later generation, up to ``n_iter // 4`` in all (the library since
  2026-12-04);
* ``bayes_later``: the rest of the portfolio comes one configuration per
  later batch, up to ``n_iter // 2`` in all (measured, not adopted).

Budgets where a pair is the same search by construction are not run.

``--suite design`` runs BayesSearchCV alone at budget 10 on the tasks of both
suites: ``bayes_<design>_d<k>`` is ``initial_design=<design>`` (``sobol`` or
``auto``) with the initial design's size floored at ``k`` instead of 2
(``max(k, n_iter // 4)``; measured, not adopted).

Usage::

    python benchmarks/validate_portfolio_fill.py --jobs 2
    python benchmarks/validate_portfolio_fill.py --jobs 2 --seeds $(seq 100 115) \
        --searchers random evolution_fixed evolution_spread
    python benchmarks/validate_portfolio_fill.py --jobs 2 --seeds $(seq 100 115) \
        --searchers random bayes_fixed bayes_steps evolution_spread \
        evolution_steps --name portfolio_steps_validation
    python benchmarks/validate_portfolio_fill.py --suite share --jobs 2 \
        --seeds $(seq 100 107) --searchers random bayes_initial bayes_later \
        evolution_initial evolution_later
    python benchmarks/validate_portfolio_fill.py --suite design --jobs 2 \
        --seeds $(seq 100 115) --searchers random bayes_sobol_d2 \
        bayes_sobol_d3 bayes_auto_d2 bayes_auto_d3

Writes ``results/portfolio_fill.json`` and ``results/portfolio_fill.md``
(``results/portfolio_<suite>.*`` with ``--suite``; ``--name`` changes the
file names).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from scipy.stats import loguniform, randint
from sklearn.datasets import make_classification, make_friedman2, make_friedman3
from sklearn.decomposition import PCA
from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestClassifier
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, PolynomialFeatures, StandardScaler
from sklearn.svm import SVC, SVR
from sklearn.tree import DecisionTreeClassifier
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_portfolio import _build, _fmt, _paired, _per_seed
from bench_search import _mean, _sem, _table, _versions, references, summarise
from common import (
    SEARCHERS,
    Searcher,
    Task,
    _scaled,
    continue_run,
    machine,
    run_one,
)
from common import TASKS as BENCH_TASKS

BUDGETS = [10, 20]
SEEDS = list(range(100, 108))
PAIRS = [
    ("bayes_spread", "bayes_fixed"),
    ("evolution_spread", "evolution_fixed"),
    ("bayes_steps", "bayes_fixed"),
    ("evolution_steps", "evolution_spread"),
]


def _poly_ridge(seed):
    return Pipeline(
        [
            ("poly", PolynomialFeatures()),
            ("scale", StandardScaler()),
            ("ridge", Ridge()),
        ]
    )


_POLY_SPACE = {
    "poly__degree": [1, 2, 3],
    "poly__interaction_only": [True, False],
    "ridge__alpha": loguniform(1e-4, 1e4),
}


def _classification(seed, n_features, n_informative):
    return lambda: make_classification(
        n_samples=900,
        n_features=n_features,
        n_informative=n_informative,
        n_redundant=2,
        flip_y=0.05,
        random_state=seed,
    )


TASKS: dict[str, Task] = {
    t.name: t
    for t in [
        Task(
            "poly_ridge_friedman2",
            "regression",
            lambda: make_friedman2(n_samples=600, noise=150.0, random_state=301),
            _poly_ridge,
            lambda: dict(_POLY_SPACE),
            n_train=300,
            description="PolynomialFeatures + Ridge, friedman2",
        ),
        Task(
            "poly_ridge_friedman3",
            "regression",
            lambda: make_friedman3(n_samples=600, noise=0.1, random_state=302),
            _poly_ridge,
            lambda: dict(_POLY_SPACE),
            n_train=300,
            description="PolynomialFeatures + Ridge, friedman3",
        ),
        Task(
            "pca_svc",
            "classification",
            _classification(303, 30, 6),
            lambda seed: Pipeline(
                [("scale", StandardScaler()), ("pca", PCA()), ("svc", SVC())]
            ),
            lambda: {
                "pca__n_components": randint(2, 30),
                "svc__C": loguniform(1e-2, 1e3),
                "svc__gamma": loguniform(1e-4, 1e1),
            },
            n_train=400,
            description="StandardScaler + PCA + SVC",
        ),
        Task(
            "kbest_logistic",
            "classification",
            _classification(304, 40, 5),
            lambda seed: Pipeline(
                [
                    ("scale", StandardScaler()),
                    ("kbest", SelectKBest(f_classif)),
                    ("lr", LogisticRegression(max_iter=500)),
                ]
            ),
            lambda: {
                "kbest__k": randint(1, 41),
                "lr__C": loguniform(1e-4, 1e3),
            },
            n_train=400,
            description="StandardScaler + SelectKBest + LogisticRegression",
        ),
        Task(
            "scaler_knn",
            "classification",
            _classification(305, 12, 4),
            lambda seed: _scaled("knn", KNeighborsClassifier()),
            lambda: {
                "scale": [StandardScaler(), MinMaxScaler(), "passthrough"],
                "knn__n_neighbors": randint(1, 50),
                "knn__weights": ["uniform", "distance"],
                "knn__p": [1, 2],
            },
            n_train=400,
            description="scaler choice + KNeighborsClassifier",
        ),
    ]
}


def _hgb_regressor(seed):
    return HistGradientBoostingRegressor(early_stopping=False, random_state=seed)


def _pca_knn(seed):
    return Pipeline([("pca", PCA(random_state=seed)), ("knn", KNeighborsClassifier())])


# The "share" suite: estimators with a portfolio, each with the search space
# of a benchmark task, on data of none (generators or seeds 4xx that neither
# the benchmark nor the derivation uses): (name, kind, data, estimator,
# benchmark task whose space it takes, description).
_SHARE = [
    (
        "svc_classification",
        "classification",
        _classification(401, 20, 5),
        lambda seed: SVC(),
        "svc_digits",
        "SVC on make_classification",
    ),
    (
        "rf_classification",
        "classification",
        _classification(402, 15, 6),
        lambda seed: RandomForestClassifier(random_state=seed),
        "rf_breast_cancer",
        "random forest on make_classification",
    ),
    (
        "hgb_friedman2",
        "regression",
        lambda: make_friedman2(n_samples=900, noise=100.0, random_state=403),
        _hgb_regressor,
        "hgb_friedman1",
        "HistGradientBoostingRegressor on friedman2",
    ),
    (
        "svr_friedman3",
        "regression",
        lambda: make_friedman3(n_samples=900, noise=0.1, random_state=404),
        lambda seed: _scaled("svr", SVR()),
        "svr_diabetes",
        "StandardScaler + SVR on friedman3",
    ),
    (
        "knn_classification",
        "classification",
        _classification(405, 40, 8),
        _pca_knn,
        "knn_digits",
        "PCA + k-NN on make_classification",
    ),
    (
        "tree_classification",
        "classification",
        _classification(406, 10, 5),
        lambda seed: DecisionTreeClassifier(random_state=seed),
        "tree_wine",
        "decision tree on make_classification",
    ),
    (
        "mlp_classification",
        "classification",
        _classification(407, 20, 8),
        lambda seed: MLPClassifier(max_iter=40, random_state=seed),
        "mlp_digits",
        "MLP on make_classification",
    ),
]
SHARE_TASKS: dict[str, Task] = {
    name: Task(
        name,
        kind,
        data,
        estimator,
        BENCH_TASKS[space].make_space,
        n_train=400,
        description=f"{description} (space of {space})",
    )
    for name, kind, data, estimator, space, description in _SHARE
}

SEARCHERS_HERE: dict[str, Searcher] = {"random": SEARCHERS["random"]}
for _cls, _short in (("BayesSearchCV", "bayes"), ("EvolutionSearchCV", "evolution")):
    for _rule in ("fixed", "spread", "steps", "initial", "later"):
        SEARCHERS_HERE[f"{_short}_{_rule}"] = Searcher(
            f"{_short}_{_rule}", _build(_cls, "auto")
        )

# The "design" suite: BayesSearchCV's initial design at budget 10, with the
# floor of its size (now 2: ``max(2, n_iter // 4)``) kept or raised to 3, with
# and without the portfolio, on the tasks of both suites above.
for _design in ("sobol", "auto"):
    for _floor in (2, 3):
        _name = f"bayes_{_design}_d{_floor}"
        SEARCHERS_HERE[_name] = Searcher(_name, _build("BayesSearchCV", _design))

SUITES = {
    "fill": {
        "tasks": TASKS,
        "pairs": PAIRS,
        "budgets": BUDGETS,
        "title": "Portfolio fill of open parameters, checked off the benchmark",
    },
    "share": {
        "tasks": SHARE_TASKS,
        "pairs": [
            ("bayes_later", "bayes_initial"),
            ("evolution_later", "evolution_initial"),
        ],
        "budgets": [10, 20, 40],
        # Identical by construction: BayesSearchCV's initial design at budget
        # 40 holds the whole portfolio, EvolutionSearchCV's later share at
        # budget 10 is empty.
        "skip": {("bayes", 40), ("evolution", 10)},
        "title": "Portfolio configurations after the initial design, checked "
        "off the benchmark",
    },
    "design": {
        "tasks": {**TASKS, **SHARE_TASKS},
        "pairs": [
            ("bayes_sobol_d3", "bayes_sobol_d2"),
            ("bayes_auto_d3", "bayes_auto_d2"),
            ("bayes_auto_d2", "bayes_sobol_d2"),
            ("bayes_auto_d3", "bayes_sobol_d3"),
        ],
        "budgets": [10],
        "title": "Size of BayesSearchCV's initial design at small budgets, "
        "checked off the benchmark",
    },
}


def _run(job: tuple[str, str, str, int, int]) -> dict:
    suite, task_name, name, seed, budget = job
    from skhypertune import BayesSearchCV, EvolutionSearchCV, portfolio

    if name.endswith("_initial"):  # the portfolio in the initial design only
        for cls in (BayesSearchCV, EvolutionSearchCV):
            cls._later_design_size = lambda self: 0
    elif name == "bayes_later":  # the rest of the portfolio, up to n_iter // 2
        BayesSearchCV._later_design_size = lambda self: max(
            0, self.n_iter // 2 - self._design_size()
        )
    elif name[:-1].endswith("_d"):  # the design size's floor
        floor = int(name[-1])
        BayesSearchCV._design_size = lambda self: min(
            self.n_initial_points, max(floor, self.n_iter // 4)
        )
    # "fill" rows: both searchers under the rule the row names, whichever they
    # default to; "_steps" and "evolution_later" rows run the library as it is.
    if suite == "fill" and not name.endswith("_steps"):
        portfolio._step_settings = lambda *a, **k: []
        rule = "estimator" if name.endswith("_fixed") else "spread"
        mapped = portfolio.portfolio_params
        portfolio.portfolio_params = lambda *a, **k: mapped(
            *a, **{**k, "open_values": rule}
        )
    with contextlib.redirect_stdout(io.StringIO()):
        with threadpool_limits(limits=1):
            row = run_one(
                SUITES[suite]["tasks"][task_name], SEARCHERS_HERE[name], budget, seed
            )
    return row.as_dict()


def render(rows: list[dict], meta: dict) -> str:
    suite = SUITES[meta.get("suite", "fill")]
    tasks = list(suite["tasks"])
    budgets = sorted({r["budget"] for r in rows})
    refs = references(rows)
    norm = {}
    for b in budgets:
        at = [r for r in rows if r["budget"] == b]
        summarise(at, refs)
        norm[b] = _per_seed(at)
    lines = [
        f"# {suite['title']}",
        "",
        f"Generated {meta['date']} by `{'`, `'.join(meta['commands'])}` in "
        f"{meta['run_seconds'] / 60:.1f} min ({meta['jobs']} worker processes); "
        f"scikit-learn {meta['versions'].get('scikit-learn')}.",
        "",
        f"{len(tasks)} tasks x seeds {sorted({r['seed'] for r in rows})}; "
        "3-fold CV; tasks and seeds are neither benchmark tasks nor derivation "
        "data (see the script's docstring). Normalised CV score: 0 = "
        "RandomizedSearchCV's mean at the same budget, 100 = best seen per seed.",
        "",
        "## Normalised CV score (mean over tasks ± standard error over tasks)",
        "",
    ]
    names = [n for n in SEARCHERS_HERE if any(r["searcher"] == n for r in rows)]
    body = []
    for name in names:
        cells = [f"**{name}**"]
        for b in budgets:
            per_task = [
                _mean(
                    [v for (n, t, _), v in norm[b].items() if t == task and n == name]
                )
                for task in tasks
            ]
            cells.append(f"{_fmt(_mean(per_task))} ± {_fmt(_sem(per_task))}")
        body.append(cells)
    lines.append(_table(["searcher"] + [f"budget {b}" for b in budgets], body))
    lines += [
        "",
        "## Paired differences",
        "",
        "Mean over tasks of each task's mean difference ± standard error over "
        "tasks (over the (task, seed) pairs in brackets); wins / losses count "
        "the pairs.",
        "",
    ]
    body = []
    pairs = [(a, b) for a, b in suite["pairs"] if a in names and b in names]
    for a, b_name in pairs:
        cells = [f"{a} − {b_name}"]
        for b in budgets:
            p = _paired(norm[b], a, b_name, tasks)
            cells.append(
                f"{_fmt(p['mean'], sign=True)} ± {_fmt(p['sem_tasks'])} "
                f"(pairs ± {_fmt(p['sem_pairs'])}); {p['wins']} / {p['losses']}"
            )
        body.append(cells)
    lines.append(_table(["a − b"] + [f"budget {b}" for b in budgets], body))
    lines += ["", "## Per task (normalised points, ± over seeds)", ""]
    body = []
    for task in tasks:
        cells = [task]
        for a, b_name in pairs:
            for b in budgets:
                p = _paired(norm[b], a, b_name, [task])
                cells.append(f"{_fmt(p['mean'], sign=True)} ± {_fmt(p['sem_pairs'])}")
        body.append(cells)
    header = ["task"] + [f"{a} − {z}, budget {b}" for a, z in pairs for b in budgets]
    lines.append(_table(header, body))
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--seeds", type=int, nargs="+", default=SEEDS)
    parser.add_argument("--searchers", nargs="+", default=list(SEARCHERS_HERE))
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent / "results"
    )
    parser.add_argument("--name", default=None)
    parser.add_argument("--suite", choices=list(SUITES), default="fill")
    args = parser.parse_args(argv)
    args.name = args.name or f"portfolio_{args.suite}"
    path = args.out / f"{args.name}.json"
    report = args.out / f"{args.name}.md"
    if args.report_only:
        stored = json.loads(path.read_text())
        report.write_text(render(stored["rows"], stored["meta"]))
        return 0
    rows, meta = continue_run(
        "validate_portfolio_fill.py",
        argv,
        [],
        {},
        resume=False,
        jobs=args.jobs,
        versions=_versions(),
        machine=machine(),
    )
    meta["suite"] = args.suite
    suite = SUITES[args.suite]
    jobs = [
        (args.suite, t, name, seed, b)
        for b in suite["budgets"]
        for t in suite["tasks"]
        for seed in args.seeds
        for name in args.searchers
        if (name.split("_")[0], b) not in suite.get("skip", ())
    ]
    start = time.perf_counter()
    # One task per worker process, so the patched rule never leaks into
    # another searcher's run.
    with ProcessPoolExecutor(args.jobs, max_tasks_per_child=1) as pool:
        for job, row in zip(jobs, pool.map(_run, jobs)):
            rows.append(row)
            print(f"{job}: {row['status']} best_cv={row['best_cv']:.4f}", flush=True)
    meta["run_seconds"] = time.perf_counter() - start
    path.write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))
    report.write_text(render(rows, meta))
    print(f"wrote {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
