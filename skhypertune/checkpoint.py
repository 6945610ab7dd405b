"""Checkpoint files: every completed candidate on disk, so a search can resume.

A checkpoint is a JSON-lines file. The first line is a header holding a
fingerprint of the settings that decide what a candidate's scores mean
(searcher class and parameters, estimator, search space, cv, scoring, data);
each further line is one completed candidate: its unit-cube point, a readable
form of its parameters and its row of ``cv_results_`` (split scores, fit and
score times, the batch column). The search appends one batch of lines at a
time and flushes them to disk with :func:`os.fsync`, so a process killed
mid-run loses at most the batch in flight.

Parameters are rebuilt from the stored point with the search space
(``space.decode(point)``), which is how the search produced them in the first
place, so values that JSON cannot hold (estimator objects, callables) survive.

When the file already holds the whole budget, the fit scores the best
stored candidate once more (``fit`` must evaluate something) and keeps the
stored results. One search at a time may use a file (it is locked while the
search runs, on POSIX systems).

Example of a run that was interrupted and is started again::

    search = BayesSearchCV(est, space, n_iter=200, checkpoint="run.jsonl")
    search.fit(X, y)   # killed after 120 candidates
    search.fit(X, y)   # evaluates only the remaining ~80
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

try:  # POSIX: keep two processes from appending to one checkpoint
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

__all__ = ["Checkpoint", "read_checkpoint", "settings_fingerprint"]

FORMAT = "skhypertune-checkpoint"
VERSION = 1

# Constructor parameters that do not change what an evaluation means: a
# resumed run may raise its budget, change parallelism or steering.
_EXCLUDED_PARAMS = frozenset(
    {
        "n_iter",
        "n_jobs",
        "pre_dispatch",
        "verbose",
        "callbacks",
        "max_time",
        "warm_start",
        "checkpoint",
        "estimator",
        "param_distributions",
    }
)
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_HEADER_START = b'{"format": "' + FORMAT.encode()
_MAX_DESCRIPTION = 400


def describe(obj: Any, _depth: int = 0) -> str:
    """A stable text description of ``obj`` for fingerprints.

    Unlike ``repr`` it is the same in every process: memory addresses are
    dropped, scipy distributions are described by name and arguments,
    estimators by class and parameters, large arrays by a digest.
    """
    if _depth > 20:
        return "..."
    d = _depth + 1
    if obj is None or isinstance(obj, (bool, int, str, bytes)):
        return repr(obj)
    if isinstance(obj, float):
        return repr(obj)
    if isinstance(obj, np.generic):
        return repr(obj.item())
    if isinstance(obj, np.ndarray):
        if obj.size <= 64 and obj.dtype != object:
            return f"array({describe(obj.tolist(), d)}, {obj.dtype})"
        if obj.dtype == object:
            return f"array({describe(list(obj), d)})"
        digest = hashlib.sha256(np.ascontiguousarray(obj).tobytes()).hexdigest()
        return f"array(shape={obj.shape}, dtype={obj.dtype}, sha256={digest[:16]})"
    if isinstance(obj, Mapping):
        items = sorted((describe(k, d), describe(v, d)) for k, v in obj.items())
        return "{" + ", ".join(f"{k}: {v}" for k, v in items) + "}"
    if isinstance(obj, (list, tuple)):
        body = ", ".join(describe(v, d) for v in obj)
        return f"[{body}]" if isinstance(obj, list) else f"({body})"
    if isinstance(obj, (set, frozenset)):
        return "{" + ", ".join(sorted(describe(v, d) for v in obj)) + "}"
    dist = getattr(obj, "dist", None)
    if dist is not None and hasattr(obj, "args") and hasattr(obj, "kwds"):
        name = getattr(dist, "name", type(dist).__name__)
        return f"{name}(*{describe(obj.args, d)}, **{describe(obj.kwds, d)})"
    if hasattr(obj, "get_params") and not isinstance(obj, type):
        try:
            params = obj.get_params(deep=False)
        except Exception:
            params = None
        if isinstance(params, Mapping):
            return f"{type(obj).__qualname__}({describe(params, d)})"
    if callable(obj) and hasattr(obj, "__qualname__"):
        return f"{getattr(obj, '__module__', '')}.{obj.__qualname__}"
    return _ADDRESS.sub("", repr(obj))


def _short(text: str) -> str:
    if len(text) <= _MAX_DESCRIPTION:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return f"{text[:80]}... sha256={digest}"


def settings_fingerprint(search: Any, data_digest: str | None = None) -> dict:
    """What must match for stored evaluations to be reused by ``search``.

    Parameters
    ----------
    search : BaseHyperSearchCV
        The (unfitted or fitted) search.
    data_digest : str or None
        A digest of the training data and fit parameters (see
        :func:`data_digest`); None leaves the data out of the comparison.

    Returns
    -------
    fingerprint : dict of str to str

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skhypertune import BayesSearchCV
    >>> from skhypertune.checkpoint import settings_fingerprint
    >>> search = BayesSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, n_iter=2)
    >>> fingerprint = settings_fingerprint(search)
    >>> fingerprint["searcher"], fingerprint["param_distributions"]
    ('BayesSearchCV', "{'C': [0.1, 1.0]}")
    >>> "n_iter" in fingerprint  # a larger budget may continue a checkpoint
    False
    """
    params = search.get_params(deep=False)
    fingerprint = {
        "searcher": type(search).__qualname__,
        "estimator": _short(describe(search.estimator)),
        "param_distributions": _short(describe(search.param_distributions)),
    }
    for name in sorted(params):
        if name not in _EXCLUDED_PARAMS:
            fingerprint[name] = _short(describe(params[name]))
    if data_digest is not None:
        fingerprint["data"] = data_digest
    return fingerprint


def data_digest(X: Any, y: Any, fit_params: Mapping) -> str:
    """A digest of the training data and fit parameters (``groups``, ...)."""
    import joblib

    try:
        return joblib.hash((X, y, dict(fit_params)))
    except Exception:  # unpicklable metadata: compare what can be hashed
        return joblib.hash((X, y))


def _json_value(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


def _readable(params: Mapping) -> dict:
    return {k: _json_value(v) for k, v in params.items()}


def _differences(stored: Mapping, current: Mapping) -> list[str]:
    keys = sorted(set(stored) | set(current))
    return [k for k in keys if stored.get(k) != current.get(k)]


def read_checkpoint(path: str | os.PathLike) -> tuple[dict | None, list, int]:
    """Parse a checkpoint file.

    Returns
    -------
    header : dict or None
        None when the file is missing, empty or holds only a torn header.
    records : list of dict
        The complete candidate records, in order.
    valid_size : int
        Byte length of the complete lines; anything after it is a torn
        last line that appending must cut off first.

    Examples
    --------
    >>> import os, tempfile
    >>> from skhypertune.checkpoint import read_checkpoint
    >>> read_checkpoint(os.path.join(tempfile.mkdtemp(), "missing.jsonl"))
    (None, [], 0)
    """
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        return None, [], 0
    lines = raw.split(b"\n")
    # Everything up to the last newline is complete; a non-empty remainder
    # was cut short by a crash while writing.
    complete, tail = lines[:-1], lines[-1]
    header = None
    records = []
    offset = 0
    for number, line in enumerate(complete, start=1):
        offset += len(line) + 1
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            if header is None and not _could_be_header(line):
                raise _not_a_checkpoint(path) from None
            if number == len(complete) and not tail:
                # The final newline made it but the line did not parse.
                warnings.warn(
                    f"checkpoint {os.fspath(path)!r}: ignoring the unreadable "
                    "last line (a write interrupted by a crash).",
                    UserWarning,
                    stacklevel=3,
                )
                return header, records, offset - len(line) - 1
            raise ValueError(
                f"checkpoint {os.fspath(path)!r} is corrupt at line {number}; "
                "it cannot be resumed. Delete it or pass another checkpoint path."
            ) from None
        if header is None:
            if not (isinstance(record, dict) and record.get("format") == FORMAT):
                raise _not_a_checkpoint(path)
            header = record
        else:
            records.append(record)
    if tail.strip():
        if header is None and not _could_be_header(tail):
            raise _not_a_checkpoint(path)
        warnings.warn(
            f"checkpoint {os.fspath(path)!r}: ignoring a torn last line (a "
            "write interrupted by a crash).",
            UserWarning,
            stacklevel=3,
        )
    return header, records, offset


def _could_be_header(line: bytes) -> bool:
    """Whether ``line`` may be a header cut short (so safe to overwrite)."""
    n = min(len(line), len(_HEADER_START))
    return line[:n] == _HEADER_START[:n]


def _not_a_checkpoint(path: str | os.PathLike) -> ValueError:
    return ValueError(
        f"checkpoint {os.fspath(path)!r} exists but is not a skhypertune "
        "checkpoint file; refusing to overwrite it. Pass another checkpoint path."
    )


class Checkpoint:
    """An open checkpoint file of one search.

    Opening reads what is already there (refusing a file written with other
    settings) and cuts off a torn last line; :meth:`append` then adds one
    batch of candidates and forces it to disk.

    Parameters
    ----------
    path : str or path-like
        The JSON-lines file; created when missing.
    fingerprint : dict
        :func:`settings_fingerprint` of the search.
    space : SearchSpace
        Decodes the stored points back into parameters.

    Attributes
    ----------
    points : ndarray of shape (n_records, n_dims)
        Unit-cube points of the stored candidates.
    results : dict or None
        Their rows in ``cv_results_`` format (without ``rank_*`` and
        ``param_*`` columns), None when nothing is stored yet.

    Examples
    --------
    >>> import os, tempfile
    >>> from skhypertune.checkpoint import Checkpoint
    >>> from skhypertune.space import SearchSpace
    >>> space = SearchSpace({"C": [0.1, 1.0, 10.0]})
    >>> path = os.path.join(tempfile.mkdtemp(), "run.jsonl")
    >>> ckpt = Checkpoint(path, {"searcher": "demo"}, space)
    >>> ckpt.append(space.encode({"C": 1.0})[None], {"mean_test_score": [0.9]})
    >>> ckpt.close()
    >>> again = Checkpoint(path, {"searcher": "demo"}, space)
    >>> again.results["params"], again.results["mean_test_score"]
    ([{'C': 1.0}], array([0.9]))
    >>> again.close()
    """

    def __init__(self, path: str | os.PathLike, fingerprint: Mapping, space: Any):
        self.path = os.fspath(path)
        self.fingerprint = dict(fingerprint)
        self.space = space
        header, records, valid_size = read_checkpoint(self.path)
        if header is not None:
            stored = header.get("fingerprint", {})
            differ = _differences(stored, self.fingerprint)
            if differ or header.get("version") != VERSION:
                raise ValueError(
                    f"checkpoint {self.path!r} was written by a search with "
                    f"different settings ({', '.join(differ) or 'file version'} "
                    "differ); its results cannot be reused. Delete the file, "
                    "pass another checkpoint path, or restore the settings."
                )
        self.points, self.results = self._parse(records)
        self._file = open(self.path, "ab")
        if fcntl is not None:
            try:
                fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                self._file.close()
                raise ValueError(
                    f"checkpoint {self.path!r} is in use by another running "
                    "search; wait for it to finish or pass another path."
                ) from None
        if self._file.tell() != valid_size:
            self._file.truncate(valid_size)
            self._file.seek(valid_size)
        if header is None:
            self._file.truncate(0)
            self._write(
                [
                    {
                        "format": FORMAT,
                        "version": VERSION,
                        "fingerprint": self.fingerprint,
                    }
                ]
            )

    @property
    def n_records(self) -> int:
        """Number of candidates stored."""
        return len(self.points)

    def _parse(self, records: list) -> tuple[np.ndarray, dict | None]:
        n_dims = self.space.n_dims
        if not records:
            return np.empty((0, n_dims)), None
        points, rows = [], []
        for i, record in enumerate(records):
            try:
                point = np.asarray(record["point"], dtype=float)
                row = record["results"]
            except (KeyError, TypeError, ValueError):
                raise ValueError(
                    f"checkpoint {self.path!r}: record {i + 1} is malformed."
                ) from None
            if point.shape != (n_dims,) or not isinstance(row, dict):
                raise ValueError(
                    f"checkpoint {self.path!r}: record {i + 1} does not match "
                    "the search space."
                )
            points.append(point)
            rows.append(row)
        columns = list(rows[0])
        results: dict = {}
        for key in columns:
            try:
                values = [row[key] for row in rows]
            except KeyError:
                raise ValueError(
                    f"checkpoint {self.path!r}: records disagree on the column {key!r}."
                ) from None
            results[key] = np.asarray(
                [math.nan if v is None else v for v in values]
                if all(v is None or isinstance(v, (int, float)) for v in values)
                else values
            )
        P = np.array(points)
        results["params"] = self.space.decode_many(P)
        return P, results

    def append(self, points: np.ndarray, results: Mapping, start: int = -1) -> None:
        """Store candidates ``start..`` of ``results`` (the last ``len(points)``).

        Parameters
        ----------
        points : ndarray of shape (n, n_dims)
            Their unit-cube points.
        results : dict
            A ``cv_results_``-style dict whose last ``n`` rows (or rows
            ``start`` to ``start + n``) are these candidates.
        start : int, default=-1
            First row; -1 means the last ``n`` rows.
        """
        points = np.atleast_2d(np.asarray(points, dtype=float))
        n = len(points)
        if n == 0:
            return
        first = len(next(iter(results.values()))) - n if start < 0 else start
        columns = [
            k
            for k in results
            if not (k == "params" or k.startswith("param_") or k.startswith("rank_"))
        ]
        params = results.get("params")
        lines = []
        for i in range(n):
            row = {k: _json_value(results[k][first + i]) for k in columns}
            lines.append(
                {
                    "point": [float(x) for x in points[i]],
                    "params": _readable(
                        params[first + i]
                        if params is not None
                        else self.space.decode(points[i])
                    ),
                    "results": row,
                }
            )
        self._write(lines)
        self.points = np.vstack([self.points, points])

    def _write(self, records: list) -> None:
        # One write call per batch, then fsync: a crash leaves whole lines
        # and at most one torn final line, which reading tolerates.
        data = "".join(json.dumps(r, allow_nan=True) + "\n" for r in records)
        self._file.write(data.encode())
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        """Close the file (everything written is already on disk)."""
        if self._file is not None and not self._file.closed:
            self._file.close()

    def __getstate__(self) -> dict:
        # scikit-learn >= 1.9 sends the search (holding this object while it
        # runs) to joblib workers; they never write, so send no file handle
        # and no stored results.
        return {"path": self.path, "fingerprint": self.fingerprint, "_file": None}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    def __enter__(self) -> Checkpoint:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
