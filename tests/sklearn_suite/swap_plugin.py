"""pytest plugin: scikit-learn's own search tests, run on an skhypertune class.

Loaded with ``-p swap_plugin`` before any test module is imported, it puts
the class named by ``SKH_SWAP`` where the tests import scikit-learn's
(``sklearn.model_selection.RandomizedSearchCV`` for the model-guided
searches, ``HalvingRandomSearchCV`` and ``HalvingGridSearchCV`` for ours),
so every test that builds the scikit-learn class builds ours. It records
which tests actually construct or fit the swapped class: a test that never
touches it says nothing about us and is reported as not exercised. Outcomes
go to ``SKH_SWAP_OUT`` (JSON).
"""

from __future__ import annotations

import functools
import json
import os

import pytest
import sklearn.model_selection as _ms
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from swaps import SWAPS  # the runner puts this folder on the path

import skhypertune

_current: list[str] = []
_exercised: set[str] = set()
_records: dict[str, dict] = {}


def _recording(method):
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        if _current:
            _exercised.add(_current[-1])
        return method(*args, **kwargs)

    return wrapper


def _install(swap: str) -> type:
    ours, theirs = SWAPS[swap]
    cls = getattr(skhypertune, ours)
    # functools.wraps keeps __wrapped__, so get_params still sees the
    # real __init__ signature.
    cls.__init__ = _recording(cls.__init__)
    cls.fit = _recording(cls.fit)
    setattr(_ms, theirs, cls)
    return cls


SWAPPED = _install(os.environ["SKH_SWAP"])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    _current.append(item.nodeid)
    try:
        yield
    finally:
        _current.pop()


def pytest_runtest_logreport(report):
    rec = _records.setdefault(report.nodeid, {"outcome": "passed", "message": ""})
    if report.when == "call" and hasattr(report, "wasxfail"):
        rec["outcome"] = "xfailed" if report.skipped else "xpassed"
    elif report.skipped and rec["outcome"] == "passed":
        rec["outcome"] = "skipped"
        rec["message"] = str(report.longrepr[-1]) if report.longrepr else ""
    elif report.failed:
        rec["outcome"] = "failed" if report.when == "call" else "error"
        crash = getattr(report.longrepr, "reprcrash", None)
        rec["message"] = crash.message if crash is not None else str(report.longrepr)


def pytest_sessionfinish(session, exitstatus):
    out = os.environ.get("SKH_SWAP_OUT")
    if not out:
        return
    for nodeid, rec in _records.items():
        rec["exercised"] = nodeid in _exercised
    with open(out, "w") as fh:
        json.dump(_records, fh, indent=1, sort_keys=True)
