"""
=====================================================
Bayes, evolution and random search at the same budget
=====================================================

The same model, the same search space, the same cross-validation and the same
number of evaluated candidates; only the searcher changes. For each searcher
we plot the best cross-validated score found after each candidate, averaged
over a few seeds: that curve is what "converging faster" means.

The budget is tiny so that this page builds in seconds. With so few
candidates and seeds the differences between seeds are as large as those
between searchers; the benchmark tables in :ref:`choosing` use more tasks,
budgets and seeds to tell them apart.
"""

# %%
# The task: kernel ridge regression on the diabetes dataset, tuning the
# regularisation ``alpha``, the kernel width ``gamma`` (both on log scales)
# and the kernel itself. Only a narrow band of ``gamma`` works well.
import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import loguniform
from sklearn.datasets import load_diabetes
from sklearn.kernel_ridge import KernelRidge
from sklearn.model_selection import RandomizedSearchCV

from skhypertune import BayesSearchCV, EvolutionSearchCV

X, y = load_diabetes(return_X_y=True)
space = {
    "alpha": loguniform(1e-4, 1e1),
    "gamma": loguniform(1e-3, 1e2),
    "kernel": ["rbf", "laplacian"],
}
n_iter, seeds = 25, range(5)

# The one-line swap: every searcher gets exactly the same arguments.
searchers = [RandomizedSearchCV, BayesSearchCV, EvolutionSearchCV]

# %%
# Run every searcher with every seed, and keep its best-so-far curve: the
# running maximum of ``mean_test_score`` (R²) in evaluation order.
curves, first_seed = {}, []
for searcher in searchers:
    runs = []
    for seed in seeds:
        search = searcher(KernelRidge(), space, n_iter=n_iter, cv=3, random_state=seed)
        search.fit(X, y)
        if seed == 0:
            first_seed.append(search)
        scores = np.nan_to_num(search.cv_results_["mean_test_score"], nan=-1.0)
        runs.append(np.maximum.accumulate(scores))
    curves[searcher.__name__] = np.array(runs)
    final = curves[searcher.__name__][:, -1]
    print(f"{searcher.__name__:>20}: best R² {final.mean():.4f} ± {final.std():.4f}")

# %%
# The mean best-so-far curve per searcher; the band spans the seeds.
fig, ax = plt.subplots(figsize=(7, 4))
evaluations = np.arange(1, n_iter + 1)
for name, runs in curves.items():
    (line,) = ax.plot(evaluations, runs.mean(axis=0), label=name)
    ax.fill_between(
        evaluations,
        runs.min(axis=0),
        runs.max(axis=0),
        alpha=0.12,
        color=line.get_color(),
    )
ax.set_xlabel("candidates evaluated")
ax.set_ylabel("best CV R² so far")
ax.set_ylim(0.40, 0.52)
ax.legend(loc="lower right")
ax.set_title("Convergence at equal budget (5 seeds)")
fig.tight_layout()

# %%
# For a single run of each, :func:`~skhypertune.plotting.plot_convergence`
# draws the same curves from the fitted searches (any scikit-learn search
# works), with every candidate's score as a point.
from skhypertune.plotting import plot_convergence

ax = plot_convergence(*first_seed, labels=[s.__name__ for s in searchers])
ax.set_ylim(0.40, 0.52)
ax.set_title("One seed: scores and best so far")
plt.show()
