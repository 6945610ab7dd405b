"""
==================================
Resume a search from a checkpoint
==================================

With ``checkpoint="run.jsonl"`` a search writes every finished batch of
candidates to a file as it goes. If the process dies — a crash, Ctrl-C, a
cluster job hitting its time limit — running the same ``fit`` again loads
what was finished and evaluates only the rest.

Here we simulate the crash with a callback that raises an exception after
the third batch, then fit again with the same settings.
"""

# %%
import json
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import loguniform
from sklearn.datasets import load_breast_cancer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skhypertune import BayesSearchCV

X, y = load_breast_cancer(return_X_y=True)
pipe = make_pipeline(StandardScaler(), SVC())
space = {
    "svc__C": loguniform(1e-3, 1e3),
    "svc__gamma": loguniform(1e-5, 1e1),
    "svc__kernel": ["rbf", "sigmoid"],
}
checkpoint = Path(tempfile.mkdtemp()) / "run.jsonl"


def crash_after_three_batches(state):
    if state.batch == 2:
        raise RuntimeError("simulated crash")


def make_search(callbacks=None):
    return BayesSearchCV(
        pipe,
        space,
        n_iter=16,
        n_points=2,
        cv=3,
        random_state=0,
        checkpoint=checkpoint,
        callbacks=callbacks,
    )


# %%
# The first run dies after three batches of two candidates.
try:
    make_search(callbacks=crash_after_three_batches).fit(X, y)
except RuntimeError as exc:
    print("first run:", exc)

lines = checkpoint.read_text().splitlines()
n_before = len(lines) - 1
print(f"the checkpoint holds a header and {n_before} candidates")
print("first candidate:", json.loads(lines[1])["params"])

# %%
# The second run is the same search (only the callback, which does not
# change what a score means, is gone). It reloads the six finished candidates
# and evaluates the remaining ten.
search = make_search().fit(X, y)
batches = np.asarray(search.search_history_["batch"])
resumed = np.arange(len(batches)) >= n_before
print(f"{len(batches)} candidates in cv_results_, {resumed.sum()} evaluated now")
print(f"best CV accuracy {search.best_score_:.4f} with {search.best_params_}")

# %%
# Every candidate, coloured by the run that evaluated it, with the best score
# so far: the second run picks up the curve where the first one stopped.
scores = np.asarray(search.cv_results_["mean_test_score"])
order = np.arange(1, len(scores) + 1)
fig, ax = plt.subplots(figsize=(7, 4))
ax.scatter(order[~resumed], scores[~resumed], label="first run (from the checkpoint)")
ax.scatter(order[resumed], scores[resumed], marker="s", label="second run")
best = np.maximum.accumulate(np.nan_to_num(scores, nan=0))
ax.plot(order, best, color="k", lw=1, label="best so far")
ax.axvline(n_before + 0.5, color="grey", ls="--")
ax.set_xlabel("candidate")
ax.set_ylabel("mean CV accuracy")
ax.legend(loc="lower right")
fig.tight_layout()
plt.show()
