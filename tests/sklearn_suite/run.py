"""Run scikit-learn's own search tests with skhypertune's classes swapped in.

The tests come from the installed scikit-learn wheel (they ship inside it),
so the same runner checks every supported release::

    python tests/sklearn_suite/run.py            # all classes, all files
    python tests/sklearn_suite/run.py --swap bayes --json out.json

For each swap (our class in place of the scikit-learn one it replaces) and
each test file, pytest runs with :mod:`swap_plugin`. A test that constructs
or fits our class is *exercised*; every exercised test must pass unless
:data:`not_applicable.NOT_APPLICABLE` gives a written reason why it tests
behaviour the replaced class promises and ours, by design, does not (for
instance the exact candidates RandomizedSearchCV's sampler draws). Exit
status 1 if any applicable test fails, or if a reason names a test that
passed (a stale reason).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from not_applicable import NOT_APPLICABLE  # noqa: E402
from swaps import SWAPS  # noqa: E402

#: Test modules of the scikit-learn wheel, per swap.
MODULES = {
    "bayes": [
        "sklearn.model_selection.tests.test_search",
        "sklearn.tests.test_metaestimators_metadata_routing",
    ],
    "evolution": [
        "sklearn.model_selection.tests.test_search",
        "sklearn.tests.test_metaestimators_metadata_routing",
    ],
    "halving": [
        "sklearn.model_selection.tests.test_successive_halving",
        "sklearn.model_selection.tests.test_search",
        "sklearn.tests.test_metaestimators_metadata_routing",
    ],
    "halving_grid": [
        "sklearn.model_selection.tests.test_successive_halving",
        "sklearn.model_selection.tests.test_search",
        "sklearn.tests.test_metaestimators_metadata_routing",
    ],
}


#: Modules whose tests of our class are exactly those whose id names it.
_BY_CLASS_NAME = {"sklearn.tests.test_metaestimators_metadata_routing"}


def _reason(swap: str, module: str, nodeid: str) -> str | None:
    """The written reason a test does not apply to ``swap``, or None."""
    name = module.rsplit(".", 1)[-1] + nodeid
    for (swaps, pattern), reason in NOT_APPLICABLE.items():
        if swap in swaps.split(",") and fnmatch.fnmatchcase(name, pattern):
            return reason
    return None


def run_module(swap: str, module: str, workdir: Path) -> dict:
    """Outcome of every test of ``module`` with ``swap`` in place."""
    out = workdir / f"{swap}-{module}.json"
    env = dict(
        os.environ,
        SKH_SWAP=swap,
        SKH_SWAP_OUT=str(out),
        PYTHONPATH=os.pathsep.join(
            [str(HERE), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
    )
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "swap_plugin",
        "-p",
        "no:cacheprovider",
        "-q",
        "--no-header",
        "-W",
        "ignore",
        "--pyargs",
        module,
    ]
    if module in _BY_CLASS_NAME:
        # Its tests are parametrized by meta-estimator, ids named after the
        # class (ours, once swapped): the three hundred others never touch it.
        cmd += ["-k", SWAPS[swap][0]]
    # ``workdir`` holds an empty pytest.ini (see main): the project's own
    # pytest settings (doctests, test paths) must not apply to scikit-learn's.
    proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True)
    if not out.exists():
        sys.stderr.write(proc.stdout[-5000:] + proc.stderr[-5000:])
        raise RuntimeError(f"pytest on {module} with {swap} produced no report")
    return json.loads(out.read_text())


def summarise(swap: str, module: str, records: dict) -> dict:
    rows = {"passed": [], "failed": [], "not_applicable": [], "stale": []}
    for nodeid, rec in sorted(records.items()):
        if not rec["exercised"]:
            continue
        reason = _reason(swap, module, nodeid)
        ok = rec["outcome"] in ("passed", "skipped", "xfailed")
        if reason is not None:
            rows[
                "stale" if ok and rec["outcome"] == "passed" else "not_applicable"
            ].append((nodeid, reason))
        elif ok:
            rows["passed"].append((nodeid, rec["outcome"]))
        else:
            rows["failed"].append((nodeid, rec["message"]))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--swap", nargs="*", choices=sorted(MODULES), default=None)
    parser.add_argument("--json", help="write the per-test outcomes here")
    parser.add_argument("--verbose", "-v", action="store_true")
    parser.add_argument(
        "--jobs", type=int, default=2, help="pytest processes run side by side"
    )
    args = parser.parse_args(argv)

    import sklearn

    swaps = args.swap or sorted(MODULES)
    table = []
    failed = False
    everything: dict = {}
    jobs = [(swap, module) for swap in swaps for module in MODULES[swap]]
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "pytest.ini").write_text("[pytest]\n")
        # Each job is a pytest process of its own and mostly single-threaded:
        # running them side by side on the cores roughly halves CI's wait.
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            outcomes = pool.map(lambda job: run_module(*job, Path(tmp)), jobs)
            for (swap, module), records in zip(jobs, outcomes):
                rows = summarise(swap, module, records)
                everything[f"{swap}:{module}"] = rows
                n_app = len(rows["passed"]) + len(rows["failed"])
                table.append(
                    (
                        swap,
                        module.rsplit(".", 1)[-1],
                        len(rows["passed"]),
                        n_app,
                        len(rows["not_applicable"]),
                        sum(1 for r in records.values() if not r["exercised"]),
                    )
                )
                for nodeid, message in rows["failed"]:
                    failed = True
                    print(f"FAILED [{swap}] {module}{nodeid}: {message[:400]}")
                for nodeid, _ in rows["stale"]:
                    failed = True
                    print(f"STALE REASON [{swap}] {module}{nodeid}: it passes")
                if args.verbose:
                    for nodeid, reason in rows["not_applicable"]:
                        print(f"n/a [{swap}] {module}{nodeid}: {reason}")
    version = sklearn.__version__
    print(f"\nscikit-learn {version}: its shipped search tests, our class swapped in")
    print(
        "| swap | test module | passed / applicable | not applicable | not exercised |"
    )
    print("|---|---|---|---|---|")
    for swap, mod, n_pass, n_app, n_na, n_not in table:
        print(f"| {swap} | {mod} | {n_pass} / {n_app} | {n_na} | {n_not} |")
    total_pass = sum(r[2] for r in table)
    total_app = sum(r[3] for r in table)
    print(f"\n{total_pass} passed, {total_app - total_pass} failed")
    if args.json:
        Path(args.json).write_text(json.dumps(everything, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
