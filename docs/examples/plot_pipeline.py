"""
=================================================
Searching a pipeline, its steps and their options
=================================================

A search space can choose the steps of a :class:`~sklearn.pipeline.Pipeline`
as well as their parameters, in exactly the form ``RandomizedSearchCV``
accepts. A list of dicts is a *conditional* space: each dict is one
alternative, and a candidate only sets the parameters of its alternative
(``gamma`` is never passed to a logistic regression).

We search over two classifiers and an optional PCA with
:class:`~skhypertune.EvolutionSearchCV` and draw the candidates with
:func:`~skhypertune.plotting.plot_parallel_coordinates`.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import loguniform, randint
from sklearn.datasets import load_breast_cancer
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skhypertune import EvolutionSearchCV
from skhypertune.plotting import plot_convergence, plot_parallel_coordinates

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
pipe = Pipeline(
    [("scale", StandardScaler()), ("reduce", "passthrough"), ("clf", SVC())]
)

space = [
    {
        "reduce": ["passthrough", PCA()],
        "clf": [SVC()],
        "clf__C": loguniform(1e-2, 1e3),
        "clf__gamma": loguniform(1e-4, 1e0),
    },
    {
        "reduce": [PCA()],
        "reduce__n_components": randint(2, 20),
        "clf": [LogisticRegression(max_iter=500)],
        "clf__C": loguniform(1e-3, 1e2),
    },
]

search = EvolutionSearchCV(pipe, space, n_iter=40, cv=3, random_state=0)
search.fit(X_train, y_train)
print("best:", search.best_params_)
test_accuracy = search.score(X_test, y_test)
print(f"CV accuracy {search.best_score_:.3f}, test accuracy {test_accuracy:.3f}")

# %%
# How many candidates each alternative got, per generation: the evolution
# moves its budget to the alternative that scores better.
generation = np.asarray(search.search_history_["generation"])
is_svc = np.array([isinstance(p["clf"], SVC) for p in search.cv_results_["params"]])
for g in np.unique(generation):
    print(
        f"generation {g}: {is_svc[generation == g].sum()} SVC, "
        f"{(~is_svc[generation == g]).sum()} logistic regression"
    )

# %%
# Best score so far, and every candidate through its parameter values
# (coloured by score). Parameters a candidate does not use are left out of
# its line.
fig, (ax0, ax1) = plt.subplots(
    1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [1, 2]}
)
plot_convergence(search, ax=ax0, labels=["EvolutionSearchCV"])
plot_parallel_coordinates(
    search, ax=ax1, params=["clf", "clf__C", "clf__gamma", "reduce__n_components"]
)
fig.tight_layout()
plt.show()
