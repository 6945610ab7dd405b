"""
=============================================
Which hyperparameters mattered? Importances
=============================================

After a search, ``param_importances_`` gives each hyperparameter's share of
the variance of the cross-validated score (functional ANOVA on a random
forest fitted to the results). Here we tune a decision tree with five
hyperparameters and look at which ones the score actually depended on, with
:func:`~skhypertune.plotting.plot_importances` and the one-parameter slices
of :func:`~skhypertune.plotting.plot_slices`.
"""

# %%
import matplotlib.pyplot as plt
from scipy.stats import loguniform, randint
from sklearn.datasets import load_wine
from sklearn.model_selection import RandomizedSearchCV
from sklearn.tree import DecisionTreeClassifier

from skhypertune import BayesSearchCV, param_importances
from skhypertune.plotting import plot_importances, plot_slices

X, y = load_wine(return_X_y=True)
space = {
    "max_depth": randint(1, 12),
    "min_samples_leaf": randint(1, 40),
    "max_features": [None, "sqrt", 0.5],
    "criterion": ["gini", "entropy"],
    "ccp_alpha": loguniform(1e-4, 1e-1),
}
search = BayesSearchCV(
    DecisionTreeClassifier(random_state=0), space, n_iter=40, cv=3, random_state=0
).fit(X, y)
print(f"best CV accuracy {search.best_score_:.3f}")
for name, share in search.param_importances_.items():
    print(f"{name:>18}: {share:.2f}")

# %%
# Main effects and the strongest pairwise interactions. A share is relative
# to the space searched: a parameter with a share near zero can be fixed to
# any value in its range.
fig, ax = plt.subplots(figsize=(7, 4))
plot_importances(search, ax=ax, interactions=True)
fig.tight_layout()

# %%
# The slices show the score against each parameter alone: a flat slice is a
# parameter that can be fixed, and best values crowding at one end of a range
# suggest widening it.
fig = plot_slices(search, ncols=3)
fig.set_size_inches(10, 6)
fig.tight_layout()

# %%
# The same function works on any scikit-learn search. For a random search,
# each value is weighted by how often it was sampled, which is its prior.
random_search = RandomizedSearchCV(
    DecisionTreeClassifier(random_state=0), space, n_iter=40, cv=3, random_state=0
).fit(X, y)
imp = param_importances(random_search, random_state=0)
print({name: round(share, 2) for name, share in imp.items()})
plt.show()
