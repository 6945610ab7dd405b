"""Progress of a running search, for terminals, logs and notebooks.

On a terminal the display is one line rewritten in place (``\\r``); when the
stream is not a terminal (a log file, CI output, a notebook) it prints plain
lines, at most one per tenth of the budget or per ``min_interval`` seconds, so
logs stay short.
"""

from __future__ import annotations

import math
import sys
import time
from typing import Any, TextIO

__all__ = ["SearchProgress"]


def _fmt_seconds(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    seconds = max(seconds, 0.0)
    if seconds < 60:
        return f"{seconds:.1f}s" if seconds < 10 else f"{seconds:.0f}s"
    minutes, sec = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes}m{sec:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class SearchProgress:
    """Candidates done out of the budget, best score so far, elapsed and left.

    Parameters
    ----------
    total : int
        The candidate budget (``n_iter``).
    label : str, default=""
        Printed at the start of each update, e.g. the searcher's name.
    stream : file-like, default=None
        Where to write; ``sys.stdout`` when None (looked up at each write, so
        redirections made later are honoured).
    tty : bool, default=None
        Rewrite one line in place. None asks ``stream.isatty()``.
    min_interval : float, default=None
        Seconds between two lines written; defaults to 0.1 on a terminal and
        30 otherwise. Updates crossing a tenth of the budget and the final
        one are always written in plain-line mode.
    width : int, default=20
        Width of the bar drawn on a terminal.

    Examples
    --------
    >>> import io
    >>> from skhypertune._progress import SearchProgress
    >>> out = io.StringIO()
    >>> bar = SearchProgress(4, label="BayesSearchCV", stream=out, tty=False)
    >>> bar.update(2, best=0.91, elapsed=3.0)
    >>> bar.update(4, best=0.95, elapsed=6.0)
    >>> bar.close()
    >>> print(out.getvalue())
    BayesSearchCV 2/4 candidates | best 0.91 | 3.0s elapsed, ~3.0s left
    BayesSearchCV 4/4 candidates | best 0.95 | 6.0s elapsed, ~0.0s left
    <BLANKLINE>
    """

    def __init__(
        self,
        total: int,
        *,
        label: str = "",
        stream: TextIO | None = None,
        tty: bool | None = None,
        min_interval: float | None = None,
        width: int = 20,
    ):
        self.total = int(total)
        self.label = label
        self.stream = stream
        self.width = width
        if tty is None:
            isatty = getattr(self._out, "isatty", None)
            try:
                tty = bool(isatty()) if isatty is not None else False
            except (ValueError, OSError):
                tty = False
        self.tty = tty
        self.min_interval = (
            (0.1 if tty else 30.0) if min_interval is None else min_interval
        )
        self._last_write = -math.inf
        self._last_tenth = 0
        self._line_len = 0
        self._open = False
        self._start = time.monotonic()

    @property
    def _out(self) -> TextIO:
        return self.stream if self.stream is not None else sys.stdout

    def __getstate__(self) -> dict:
        # A fitted search may keep a reference; streams do not pickle.
        state = dict(self.__dict__)
        state["stream"] = None
        return state

    def line(self, n_done: int, best: float, elapsed: float) -> str:
        """The text of one update (without bar or line ending)."""
        total = max(self.total, 1)
        best_text = f"{best:.5g}" if best is not None and math.isfinite(best) else "n/a"
        rate = elapsed / n_done if n_done else math.nan
        left = rate * max(self.total - n_done, 0)
        head = f"{self.label} " if self.label else ""
        if self.tty:
            filled = min(int(self.width * n_done / total), self.width)
            head += "[" + "#" * filled + "." * (self.width - filled) + "] "
        return (
            f"{head}{n_done}/{self.total} candidates | best {best_text} | "
            f"{_fmt_seconds(elapsed)} elapsed, ~{_fmt_seconds(left)} left"
        )

    def update(
        self, n_done: int, best: float = math.nan, elapsed: float | None = None
    ) -> None:
        """Show that ``n_done`` candidates are evaluated and the best score."""
        if elapsed is None:
            elapsed = time.monotonic() - self._start
        now = time.monotonic()
        tenth = int(10 * n_done / max(self.total, 1))
        final = n_done >= self.total
        due = now - self._last_write >= self.min_interval
        if not (final or due or (not self.tty and tenth > self._last_tenth)):
            return
        self._last_write = now
        self._last_tenth = tenth
        text = self.line(n_done, best, elapsed)
        out = self._out
        if self.tty:
            pad = " " * max(self._line_len - len(text), 0)
            out.write("\r" + text + pad)
            self._line_len = len(text)
            self._open = True
        else:
            out.write(text + "\n")
        out.flush()

    def close(self) -> None:
        """End the in-place line on a terminal."""
        if self.tty and self._open:
            self._out.write("\n")
            self._out.flush()
        self._open = False


class _QuietEvaluate:
    """``evaluate_candidates`` without scikit-learn's per-batch "Fitting" line.

    With ``verbose=1`` scikit-learn prints "Fitting k folds for each of n
    candidates" on every call; a model-guided search calls it once per batch,
    which would bury the progress line. Higher verbosity keeps those lines.
    """

    def __init__(self, search: Any, evaluate_candidates: Any):
        self.search = search
        self.evaluate_candidates = evaluate_candidates

    def __call__(self, *args, **kwargs):
        verbose = self.search.verbose
        self.search.verbose = 0
        try:
            return self.evaluate_candidates(*args, **kwargs)
        finally:
            self.search.verbose = verbose


def start(search: Any, evaluate_candidates: Any) -> tuple[Any, Any]:
    """The progress display for ``search`` and the evaluate function to use.

    Returns ``(None, evaluate_candidates)`` when ``search.verbose`` is 0.
    """
    verbose = getattr(search, "verbose", 0) or 0
    if verbose <= 0:
        return None, evaluate_candidates
    total = getattr(search, "n_iter", None) or 0
    display = SearchProgress(total, label=type(search).__name__)
    if verbose == 1:
        evaluate_candidates = _QuietEvaluate(search, evaluate_candidates)
    return display, evaluate_candidates
