"""Meta-learned initial designs: the same search with and without the portfolio.

BayesSearchCV and EvolutionSearchCV run with ``initial_design="auto"`` (the
estimator's portfolio first, when it has one; the default) and with
``initial_design="sobol"`` (the design before portfolios existed), side by
side with RandomizedSearchCV and Optuna's TPE (OptunaSearchCV), at budgets
10, 20 and 40, on the tasks, seeds, splits and folds of the search benchmark
(``common.TASKS``, machinery of ``common.py``). The portfolios were derived
on other data (``derive_portfolio.py``): nothing here was tuned on these
tasks.

Normalised CV score: as in ``bench_search.py`` (0 = RandomizedSearchCV's
mean best CV score at the same budget, 100 = the best CV score seen on the
task with the same seed, in any row of this benchmark, averaged over seeds).
Paired differences compare two searchers on the same task and seed.

Usage::

    python benchmarks/bench_portfolio.py               # budgets 10 20 40, seeds 0-4
    python benchmarks/bench_portfolio.py --jobs 2      # two worker processes
    python benchmarks/bench_portfolio.py --resume      # only missing rows
    python benchmarks/bench_portfolio.py --report-only
    python benchmarks/bench_portfolio.py --quick       # 2 tasks, budget 10, seed 0

Writes ``results/portfolio.json`` and ``.csv`` (raw rows, after every run)
and ``results/portfolio.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import math
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from scipy.stats import binomtest
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_search import _mean, _sem, _table, _versions, references, summarise
from common import (
    QUICK_TASKS,
    SEARCHERS,
    TASKS,
    RunResult,
    Searcher,
    continue_run,
    machine,
    run_one,
    run_record_lines,
)

BUDGETS = [10, 20, 40]
SEEDS = [0, 1, 2, 3, 4]
KEY = ("task", "searcher", "seed", "budget")
#: Pairs reported as paired differences (a minus b).
PAIRS = [
    ("bayes_portfolio", "bayes_sobol"),
    ("evolution_portfolio", "evolution_sobol"),
    ("bayes_portfolio", "optuna"),
    ("bayes_sobol", "optuna"),
    ("evolution_portfolio", "optuna"),
    ("evolution_sobol", "optuna"),
]


def _build(class_name: str, initial_design: str):
    def build(task, estimator, space, cv, budget, seed):
        import skhypertune

        return getattr(skhypertune, class_name)(
            estimator,
            space,
            n_iter=budget,
            initial_design=initial_design,
            random_state=seed,
            cv=cv,
            scoring=task.scoring,
            n_jobs=1,
            refit=True,
        )

    return build


BENCH_SEARCHERS: dict[str, Searcher] = {
    "random": SEARCHERS["random"],
    "bayes_sobol": Searcher("bayes_sobol", _build("BayesSearchCV", "sobol")),
    "bayes_portfolio": Searcher("bayes_portfolio", _build("BayesSearchCV", "auto")),
    "evolution_sobol": Searcher(
        "evolution_sobol", _build("EvolutionSearchCV", "sobol")
    ),
    "evolution_portfolio": Searcher(
        "evolution_portfolio", _build("EvolutionSearchCV", "auto")
    ),
    "optuna": SEARCHERS["optuna"],
}


# --------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------


def _run(job: tuple[str, str, int, int]) -> dict:
    task_name, name, seed, budget = job
    with contextlib.redirect_stdout(io.StringIO()):
        with threadpool_limits(limits=1):
            row = run_one(TASKS[task_name], BENCH_SEARCHERS[name], budget, seed)
    return row.as_dict()


def load(path: Path) -> tuple[list[dict], dict]:
    if not path.exists():
        return [], {}
    data = json.loads(path.read_text())
    return data["rows"], data.get("meta", {})


def save(out: Path, prefix: str, rows: list[dict], meta: dict) -> None:
    rows = sorted(rows, key=lambda r: tuple(r[k] for k in KEY))
    (out / f"{prefix}.json").write_text(
        json.dumps({"meta": meta, "rows": rows}, indent=1, allow_nan=True)
    )
    with (out / f"{prefix}.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(RunResult.__dataclass_fields__))
        writer.writeheader()
        writer.writerows(rows)


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------


def _fmt(value: float, digits: int = 1, sign: bool = False) -> str:
    if value is None or math.isnan(value):
        return "–"
    text = f"{round(value, digits) + 0.0:{'+' if sign else ''}.{digits}f}"
    return text


def _portfolio_tasks() -> list[str]:
    """Tasks whose estimator (or last pipeline step) has a portfolio."""
    from skhypertune.portfolio import _has_portfolio

    return [
        t.name
        for t in TASKS.values()
        if _has_portfolio(t.make_estimator(0), t.make_space())
    ]


def _design_cell(search, X, y, room: int) -> str:
    """Portfolio candidates in a searcher's initial design, of ``room``.

    With `` + k`` when ``k`` more come in later batches (generations).
    """
    search._n_splits = 3  # what fit would count for the benchmark's CV
    params = search._design_params(X, y)
    first = min(len(params), search._design_size())
    later = min(len(params) - first, search._later_design_size())
    return f"{first} / {room}" + (f" + {later}" if later else "")


def _design_table(tasks: list[str], budgets: list[int]) -> str:
    """What the portfolio contributes per task (computed on seed 0's split)."""
    from skhypertune import BayesSearchCV, EvolutionSearchCV
    from skhypertune.portfolio import _search_design

    lines = []
    for t in tasks:
        task = TASKS[t]
        X, _, y, _ = task.split(0)
        est, space = task.make_estimator(0), task.make_space()
        cells = [t]
        for budget in budgets:
            bayes = BayesSearchCV(est, space, n_iter=budget)
            evo = EvolutionSearchCV(est, space, n_iter=budget)
            cells.append(_design_cell(bayes, X, y, bayes._design_size()))
            # The portfolio fills at most half of evolution's first generation.
            cells.append(_design_cell(evo, X, y, evo._evolution_settings()[0]))
        params = _search_design(BayesSearchCV(est, space), X, y, 3)
        first = ", ".join(
            f"{k}={_short(v)}" for k, v in (params[:1] or [{}])[0].items()
        )
        cells += [str(len(params)), f"`{first}`" if first else "–"]
        lines.append(cells)
    header = ["task"]
    for b in budgets:
        header += [f"bayes {b}", f"evolution {b}"]
    header += ["mapped configurations", "first (seed 0)"]
    return _table(header, lines)


def _short(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return repr(value)


def _per_seed(rows: list[dict]) -> dict:
    """(searcher, task, seed) -> normalised CV score of each row."""
    return {(r["searcher"], r["task"], r["seed"]): r["norm_cv"] for r in rows}


def _paired(norm: dict, a: str, b: str, tasks: list[str]) -> dict:
    """a minus b: per-task means, their mean and s.e., and the s.e. over pairs."""
    pairs = [
        (t, norm[a, t, s] - norm[b, t, s])
        for (name, t, s) in norm
        if name == a and t in tasks and (b, t, s) in norm
    ]
    per_task = [_mean([d for tt, d in pairs if tt == t]) for t in tasks]
    per_task = [v for v in per_task if not math.isnan(v)]
    diffs = [d for _, d in pairs]
    return {
        "mean": _mean(per_task),
        "median": float(np.median(per_task)) if per_task else math.nan,
        "sem_tasks": _sem(per_task),
        "sem_pairs": _sem(diffs),
        "n_tasks": len(per_task),
        "n_pairs": len(diffs),
        "wins": sum(d > 1e-9 for d in diffs),
        "losses": sum(d < -1e-9 for d in diffs),
    }


def render(rows: list[dict], meta: dict) -> str:
    ok = [r for r in rows if r["status"] == "ok"]
    refs = references(ok)
    names = [n for n in BENCH_SEARCHERS if any(r["searcher"] == n for r in ok)]
    budgets = sorted({r["budget"] for r in ok})
    tasks = [t for t in TASKS if any(r["task"] == t for r in ok)]
    seeds = sorted({r["seed"] for r in ok})
    known = [t for t in _portfolio_tasks() if t in tasks]
    summaries, norm = {}, {}
    for b in budgets:
        summaries[b] = summarise([r for r in ok if r["budget"] == b], refs)
        norm[b] = _per_seed([r for r in ok if r["budget"] == b])

    def task_mean(b, name, subset):
        cells = summaries[b]["cells"]
        values = [cells[t, name]["norm_cv"] for t in subset if (t, name) in cells]
        return _mean(values), _sem(values)

    def task_median(b, name, subset):
        cells = summaries[b]["cells"]
        values = [cells[t, name]["norm_cv"] for t in subset if (t, name) in cells]
        return float(np.median(values)) if values else math.nan

    summary_lines = []
    for name in names:
        line = [f"**{name}**"]
        for subset in (tasks, known):
            for b in budgets:
                m, se = task_mean(b, name, subset)
                line.append(f"{_fmt(m)} ± {_fmt(se)}")
        line += [_fmt(task_median(b, name, known)) for b in budgets]
        summary_lines.append(line)
    header = ["searcher"]
    header += [f"budget {b}, all {len(tasks)} tasks" for b in budgets]
    header += [f"budget {b}, {len(known)} portfolio tasks" for b in budgets]
    header += [f"median, budget {b}, portfolio tasks" for b in budgets]

    pair_lines, robust_lines = [], []
    for a, b_name in PAIRS:
        if a not in names or b_name not in names:
            continue
        for subset, label in ((known, "portfolio tasks"), (tasks, "all tasks")):
            line = [f"{a} − {b_name}", f"{label} ({len(subset)})"]
            robust = list(line)
            for b in budgets:
                p = _paired(norm[b], a, b_name, subset)
                line.append(
                    f"{_fmt(p['mean'], sign=True)} ± {_fmt(p['sem_tasks'])} "
                    f"(pairs ± {_fmt(p['sem_pairs'])})"
                )
                untied = p["wins"] + p["losses"]
                sign_p = binomtest(p["wins"], untied).pvalue if untied else math.nan
                robust.append(
                    f"{_fmt(p['median'], sign=True)}; {p['wins']} / {p['losses']} "
                    f"of {p['n_pairs']} (p = {sign_p:.2g})"
                )
            pair_lines.append(line)
            robust_lines.append(robust)

    per_task = []
    for b in budgets:
        lines = []
        cells = summaries[b]["cells"]
        for t in tasks:
            line = [t + (" *" if t in known else "")]
            for name in names:
                cell = cells.get((t, name))
                line.append(_fmt(cell["norm_cv"]) if cell else "–")
            lines.append(line)
        per_task.append(f"### Budget {b}\n\n" + _table(["task"] + names, lines) + "\n")

    test_lines = []
    for a, b_name in PAIRS[:2]:
        if a not in names or b_name not in names:
            continue
        line = [f"{a} − {b_name}"]
        for b in budgets:
            test = {
                (r["task"], r["seed"]): r["test_score"]
                for r in ok
                if r["budget"] == b and r["searcher"] == b_name
            }
            diffs = [
                r["test_score"] - test[r["task"], r["seed"]]
                for r in ok
                if r["budget"] == b
                and r["searcher"] == a
                and r["task"] in known
                and (r["task"], r["seed"]) in test
            ]
            line.append(f"{_fmt(_mean(diffs), 4, sign=True)} ± {_fmt(_sem(diffs), 4)}")
        test_lines.append(line)

    raw_lines = []
    for t in known:
        line = [t, TASKS[t].scoring]
        for a, b_name in PAIRS[:2]:
            for b in budgets:
                cv = {
                    (r["searcher"], r["seed"]): r["best_cv"]
                    for r in ok
                    if r["budget"] == b and r["task"] == t
                }
                diffs = [
                    v - cv[b_name, seed]
                    for (name, seed), v in cv.items()
                    if name == a and (b_name, seed) in cv
                ]
                line.append(
                    f"{_fmt(_mean(diffs), 4, sign=True)} ± {_fmt(_sem(diffs), 4)}"
                )
        raw_lines.append(line)
    raw_header = ["task", "scoring"]
    for a, _ in PAIRS[:2]:
        raw_header += [f"{a.split('_')[0]}, budget {b}" for b in budgets]

    ref_lines = [
        [
            t,
            TASKS[t].scoring,
            *[_fmt(summaries[b]["zero_cv"].get(t, math.nan), 4) for b in budgets],
            _fmt(refs[t]["cv"], 4),
        ]
        for t in tasks
    ]
    failed = [r for r in rows if r["status"] != "ok"]
    parts = [
        "# Portfolio initial design, budgets " + ", ".join(map(str, budgets)),
        "",
        *run_record_lines(meta),
        f"{len(tasks)} tasks x {len(seeds)} seeds (seeds {seeds}) x budgets "
        f"{budgets}; tasks, splits, folds and scoring of the search benchmark "
        '(`common.TASKS`), n_jobs=1. `*_portfolio` = `initial_design="auto"` '
        "(the default: the estimator's portfolio first), `*_sobol` = "
        '`initial_design="sobol"`. Tasks marked * have an estimator (or last '
        "pipeline step) with a portfolio; on the others both designs are the "
        "same search. The portfolios were derived on other data "
        "(`portfolio_derivation.md`), never on these tasks or seeds.",
        "",
        "Normalised CV score: 0 = RandomizedSearchCV's mean best CV score at "
        "the same budget, 100 = the best CV score seen in any row of this "
        "benchmark on the task with the same seed (averaged over seeds). "
        "± is the standard error over tasks.",
        "",
        "## Normalised CV score",
        "",
        _table(header, summary_lines),
        "",
        "## Paired differences (normalised CV score)",
        "",
        "Row a − b on the same task and seed: the mean over tasks of each "
        "task's mean difference ± its standard error over tasks; in brackets "
        "the standard error over the (task, seed) pairs.",
        "",
        _table(["a − b", "tasks"] + [f"budget {b}" for b in budgets], pair_lines),
        "",
        "A task whose random-search score is already close to the best seen has "
        "a small denominator, and its normalised differences can reach "
        "hundreds of points from one seed (see the per-task tables); so also "
        "the median over tasks of the per-task mean difference, and in how "
        "many (task, seed) pairs a scored higher / lower than b (the rest tie), "
        "with the two-sided sign test's p-value of those counts (pairs of one "
        "task are not independent, so it is optimistic):",
        "",
        _table(
            ["a − b", "tasks"]
            + [f"budget {b}: median; wins / losses" for b in budgets],
            robust_lines,
        ),
        "",
        "## Held-out test score, paired differences on the portfolio tasks",
        "",
        "Test score of the refit best estimator, a − b on the same task and "
        "seed, mean ± standard error over the pairs.",
        "",
        _table(["a − b"] + [f"budget {b}" for b in budgets], test_lines),
        "",
        "## Best CV score, paired differences per task",
        "",
        "With minus without the portfolio (`*_portfolio − *_sobol`), in the "
        "task's own units (accuracy or r2), mean ± standard error over seeds: "
        "how large the normalised differences above are on each task.",
        "",
        _table(raw_header, raw_lines),
        "",
        "## What the portfolio contributes per task",
        "",
        "Portfolio candidates in the initial design (of its size: "
        "`n_initial_points` capped at n_iter // 4 for Bayes, the first "
        "generation for evolution, of which the portfolio fills at most half), "
        "+ those evolution adds one per later generation (up to n_iter // 4 "
        "portfolio candidates in all), the number of portfolio configurations "
        "that map into the task's space, and the first one.",
        "",
        _design_table(known, budgets),
        "",
        "## Normalised CV score per task (mean over seeds)",
        "",
        *per_task,
        "## References per task",
        "",
        _table(
            ["task", "scoring"]
            + [f"random mean, budget {b} (0)" for b in budgets]
            + ["best seen (max over seeds)"],
            ref_lines,
        ),
        "",
        "## Failures",
        "",
        "\n".join(
            f"- {r['searcher']} {r['task']} seed {r['seed']}: `{r['error']}`"
            for r in failed
        )
        or "None.",
        "",
    ]
    return "\n".join(parts)


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", type=int, nargs="+", default=BUDGETS)
    parser.add_argument("--seeds", type=int, nargs="+", default=SEEDS)
    parser.add_argument("--searchers", nargs="+", default=list(BENCH_SEARCHERS))
    parser.add_argument("--tasks", nargs="+", default=list(TASKS))
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent / "results"
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args(argv)
    prefix = "portfolio"
    if args.quick:
        args.budget, args.seeds, args.tasks = [10], [0], QUICK_TASKS
        prefix = "portfolio_quick"
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{prefix}.json"
    rows, meta = load(path)
    if args.report_only:
        (args.out / f"{prefix}.md").write_text(render(rows, meta))
        return 0
    rows, meta = continue_run(
        "bench_portfolio.py",
        argv,
        rows,
        meta,
        resume=args.resume,
        jobs=args.jobs,
        versions=_versions(),
        machine=machine(),
    )
    seconds_before = meta["run_seconds"]
    done = {tuple(r[k] for k in KEY) for r in rows}
    jobs = [
        (t, name, seed, budget)
        for budget in args.budget
        for t in args.tasks
        for seed in args.seeds
        for name in args.searchers
        if (t, name, seed, budget) not in done
    ]
    start = time.perf_counter()
    pool = ProcessPoolExecutor(args.jobs) if args.jobs > 1 else None
    results = pool.map(_run, jobs) if pool else map(_run, jobs)
    try:
        for job, row in zip(jobs, results):
            rows.append(row)
            meta["run_seconds"] = seconds_before + time.perf_counter() - start
            save(args.out, prefix, rows, meta)
            print(
                f"[{time.perf_counter() - start:7.1f}s] budget={job[3]} {job[0]} "
                f"seed={job[2]} {job[1]}: {row['status']} "
                f"best_cv={row['best_cv']:.4f} {row['error']}",
                flush=True,
            )
    finally:
        if pool:
            pool.shutdown()
    (args.out / f"{prefix}.md").write_text(render(rows, meta))
    print(f"wrote {args.out / (prefix + '.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
