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
from scipy.stats import randint
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier

from skhypertune import HalvingRandomSearchCV, HyperbandSearchCV
from skhypertune.plotting import plot_halving

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
# Hyperband runs several brackets that start at different resources, from
# aggressive (many candidates, 2 trees) to conservative (few candidates, all
# at 54 trees); no need to guess how early candidates can be judged.
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
print("Hyperband candidates per bracket and iteration:", hyperband.n_candidates_)
print(f"Hyperband best: {hyperband.best_params_} ({hyperband.best_score_:.3f})")

# %%
# Left, :func:`~skhypertune.plotting.plot_halving`: the candidates per
# iteration (bars) with the resource of each iteration and the best score
# reached. Right, one line per Hyperband bracket: how many candidates it
# evaluated at each resource.
fig, (ax0, ax1) = plt.subplots(
    1, 2, figsize=(12, 4.5), gridspec_kw={"width_ratios": [1.5, 1]}
)
plot_halving(search, ax=ax0)
ax0.set_title("HalvingRandomSearchCV")
for b, (cands, res) in enumerate(zip(hyperband.n_candidates_, hyperband.n_resources_)):
    ax1.plot(res, cands, "o-", label=f"bracket {b}")
ax1.set_xscale("log")
ax1.set_yscale("log")
resources = sorted({r for bracket in hyperband.n_resources_ for r in bracket})
ax1.set_xticks(resources, [str(r) for r in resources])
ax1.minorticks_off()
ax1.set_xlabel("trees (resource)")
ax1.set_ylabel("candidates evaluated")
ax1.set_title("HyperbandSearchCV brackets")
ax1.legend()
fig.tight_layout()
plt.show()
