"""Proposal time of the Gaussian-process strategy against the number of observations.

Measures what BayesSearchCV adds per candidate on top of fitting estimators:
one ``tell`` of the previous proposal followed by one ``ask(1)``, on a
6-dimensional mixed space (log-uniform, uniform, integer and two categorical
parameters) with random scores. For each size N the strategy is first told N
random observations, then timed over several tell+ask rounds.

Run::

    python benchmarks/bench_strategy_overhead.py [--repeats 10] [--sizes 50 100 ...]

Writes ``benchmarks/results/strategy_overhead.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np
from scipy.stats import loguniform, randint, uniform

from skhypertune.space import SearchSpace
from skhypertune.strategies.bayes import GPStrategy

SPACE = {
    "C": loguniform(1e-3, 1e3),
    "gamma": loguniform(1e-4, 1e1),
    "l1_ratio": uniform(0, 1),
    "max_depth": randint(1, 32),
    "criterion": ["gini", "entropy", "log_loss"],
    "fit_intercept": [True, False],
}
RESULTS = Path(__file__).parent / "results" / "strategy_overhead.md"


def time_proposals(n_obs: int, repeats: int, seed: int = 0) -> tuple[float, float]:
    """Mean wall and CPU seconds of one tell + ask(1) with ``n_obs`` observations.

    The strategy runs its linear algebra on one BLAS thread, so on an idle
    machine the two agree; on a shared one the CPU time shows its own cost.
    """
    space = SearchSpace(SPACE)
    rng = np.random.RandomState(seed)
    strategy = GPStrategy(space, np.random.RandomState(seed))
    U = space.sample(n_obs, rng, method="random")
    strategy.tell(U, rng.rand(n_obs))
    # One untimed proposal: the first fit has random restarts and no warm start.
    u = strategy.ask(1)
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        strategy.tell(u, rng.rand(1))
        u = strategy.ask(1)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return float(np.mean(wall)), float(np.mean(cpu))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[50, 100, 200, 500, 2000]
    )
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    rows = []
    for n in args.sizes:
        seconds, cpu = time_proposals(n, args.repeats)
        rows.append((n, seconds, cpu))
        print(
            f"{n:>6} observations: {1000 * seconds:8.2f} ms per proposal "
            f"({1000 * cpu:.2f} ms CPU)",
            flush=True,
        )
    ref = {n: sec for n, sec, _ in rows}.get(100)
    lines = [
        "# Strategy overhead: GPStrategy proposal time",
        "",
        f"Mean of {args.repeats} rounds of `tell` (one point) + `ask(1)` on a "
        "6-dimensional mixed space (2 log-uniform, 1 uniform, 1 integer, "
        "2 categorical), random scores. Python "
        f"{platform.python_version()}, {platform.machine()}, load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the start.",
        "",
        "Quadratic bound: `(N / 100)^2` times the 100-observation time; "
        "targets: < 50 ms at 100, no worse than the bound up to 500, "
        "< 100 ms at 2,000.",
        "",
        "| observations | ms per proposal (wall) | ms CPU | ratio to 100 "
        "| quadratic bound |",
        "|---:|---:|---:|---:|---:|",
    ]
    for n, seconds, cpu in rows:
        ratio = f"{seconds / ref:.2f}" if ref else "n/a"
        bound = f"{(n / 100) ** 2:.2f}" if ref else "n/a"
        lines.append(
            f"| {n} | {1000 * seconds:.1f} | {1000 * cpu:.1f} | {ratio} | {bound} |"
        )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
