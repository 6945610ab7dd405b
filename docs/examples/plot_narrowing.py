"""
===========================================
Narrow the search space and search again
===========================================

A first search over a wide space shows where the good candidates are and
which hyperparameters matter. :func:`~skhypertune.suggest_space` turns that
into a narrower ``param_distributions``: each important range shrunk around
the best candidates (on the log scale for ``loguniform``), lists cut to the
values the best candidates use, unimportant hyperparameters left as they
were. It is a plain dict you can print, edit and search again.

Here an RBF support vector machine is tuned on the breast-cancer data, then
searched again inside the suggested space, starting from the best points
found so far.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import loguniform
from sklearn.datasets import load_breast_cancer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skhypertune import BayesSearchCV, suggest_space
from skhypertune.narrowing import format_space, params_inside

X, y = load_breast_cancer(return_X_y=True)
pipe = make_pipeline(StandardScaler(), SVC())
space = {
    "svc__C": loguniform(1e-3, 1e3),
    "svc__gamma": loguniform(1e-5, 1e1),
    "svc__kernel": ["rbf", "sigmoid"],
    "svc__shrinking": [True, False],  # the solver's speed, not the model
}
wide = BayesSearchCV(pipe, space, n_iter=20, cv=3, random_state=0).fit(X, y)
print(f"wide search: best CV accuracy {wide.best_score_:.4f}")
for name, share in wide.param_importances_.items():
    print(f"{name:>15}: importance {share:.2f}")

# %%
# The suggestion, from the best 20% of the candidates. A hyperparameter whose
# importance is below 5% (``min_importance``) keeps its distribution: the
# score hardly depends on it, so where the best candidates happen to have it
# says little. Lists keep the values the best candidates use. Edit anything
# before using it: importances from 20 candidates are rough.
narrowed = suggest_space(wide)
print(format_space(narrowed))
for name in space:
    print(f"{name:>15}: {'kept' if narrowed[name] is space[name] else 'narrowed'}")

# %%
# Search again in the narrowed space. The best candidates found so far that
# lie inside it start the new search (``initial_params``; they are evaluated
# again there), and :func:`~skhypertune.narrowing.params_inside` lists them
# best first.
seeds = params_inside(wide, narrowed)[:3]
close = BayesSearchCV(
    pipe, narrowed, n_iter=12, cv=3, random_state=1, initial_params=seeds
).fit(X, y)
print(f"narrowed search: best CV accuracy {close.best_score_:.4f}")
print("best parameters:", close.best_params_)

# %%
# Every candidate of both searches in the (C, gamma) plane, coloured by
# score, with the narrowed box: the second search spends its budget where
# the first found the good region.


def values(search, name):
    return np.array([p[name] for p in search.cv_results_["params"]], dtype=float)


fig, ax = plt.subplots(figsize=(7, 5))
scores = np.concatenate(
    [wide.cv_results_["mean_test_score"], close.cv_results_["mean_test_score"]]
)
low, high = np.nanpercentile(scores, [10, 100])
for search, marker, label in [(wide, "o", "wide search"), (close, "s", "narrowed")]:
    points = ax.scatter(
        values(search, "svc__C"),
        values(search, "svc__gamma"),
        c=search.cv_results_["mean_test_score"],
        vmin=low,
        vmax=high,
        marker=marker,
        edgecolors="k",
        label=label,
    )
c_low, c_high = narrowed["svc__C"].support()
g_low, g_high = narrowed["svc__gamma"].support()
ax.add_patch(
    plt.Rectangle(
        (c_low, g_low), c_high - c_low, g_high - g_low, fill=False, ls="--", lw=1.5
    )
)
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("C")
ax.set_ylabel("gamma")
ax.legend(loc="lower left")
fig.colorbar(points, ax=ax, label="mean CV accuracy")
fig.tight_layout()
plt.show()
