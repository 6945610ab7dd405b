"""
===================================================
Successive halving and Hyperband: the iterations
===================================================

Successive halving evaluates many candidates with a small resource, keeps
the best third (``factor=3``), triples their resource, and repeats.
Here the resource is the number of trees of a random forest
(``resource="n_estimators"``): the first iteration fits 27 candidates with 2
trees each, the last one fits the best candidate with 54.

:class:`~skhypertune.HalvingRandomSearchCV` runs exactly the iterations of
scikit-learn's experimental class of the same name (no experimental import
needed); :class:`~skhypertune.HyperbandSearchCV` runs several such brackets,
from aggressive to conservative.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import randint
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier

from skhypertune import HalvingRandomSearchCV, HyperbandSearchCV

X, y = load_breast_cancer(return_X_y=True)
space = {
    "max_depth": [2, 4, 8, None],
    "min_samples_leaf": randint(1, 20),
    "max_features": ["sqrt", 0.5, 1.0],
}
forest = RandomForestClassifier(random_state=0)

search = HalvingRandomSearchCV(
    forest,
    space,
    n_candidates=27,
    factor=3,
    resource="n_estimators",
    min_resources=2,
    max_resources=54,
    cv=3,
    random_state=0,
).fit(X, y)
print("candidates per iteration:", search.n_candidates_)
print("trees per iteration:     ", search.n_resources_)
print(f"best: {search.best_params_} (CV accuracy {search.best_score_:.3f})")

# %%
# Every candidate's score at each iteration it reached. Lines connect the
# same candidate across iterations; the survivors climb to the right.
results = search.cv_results_
iters = np.asarray(results["iter"])
scores = np.asarray(results["mean_test_score"])
keys = [repr(sorted(p.items())) for p in results["params"]]
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 4))
for key in dict.fromkeys(keys):
    rows = [i for i, k in enumerate(keys) if k == key]
    ax0.plot(iters[rows], scores[rows], "o-", color="C0", alpha=0.5, ms=4)
ax0.set_xticks(range(search.n_iterations_))
ax0.set_xticklabels(
    [
        f"{it}\n{n} cand.\n{r} trees"
        for it, (n, r) in enumerate(zip(search.n_candidates_, search.n_resources_))
    ]
)
ax0.set_xlabel("iteration")
ax0.set_ylabel("mean CV accuracy")
ax0.set_title("HalvingRandomSearchCV")

# %%
# Hyperband runs brackets that start at different resources: each line is a
# bracket, with the candidates evaluated at each resource.
hyperband = HyperbandSearchCV(
    forest,
    space,
    factor=3,
    resource="n_estimators",
    min_resources=2,
    max_resources=54,
    cv=3,
    random_state=0,
).fit(X, y)
for b, (cands, res) in enumerate(zip(hyperband.n_candidates_, hyperband.n_resources_)):
    ax1.plot(res, cands, "o-", label=f"bracket {b}")
ax1.set_xscale("log")
ax1.set_yscale("log")
ax1.set_xlabel("trees (resource)")
ax1.set_ylabel("candidates evaluated")
ax1.set_title("HyperbandSearchCV brackets")
ax1.legend()
fig.tight_layout()
plt.show()
print(f"Hyperband best: {hyperband.best_params_} ({hyperband.best_score_:.3f})")
