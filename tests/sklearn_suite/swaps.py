"""Which of our classes stands in for which scikit-learn class, per swap.

Shared by the runner (run.py) and the pytest plugin (swap_plugin.py), which
imports scikit-learn and installs the swap as soon as it is loaded.
"""

#: Swap name -> (our class, the scikit-learn name it replaces).
SWAPS = {
    "bayes": ("BayesSearchCV", "RandomizedSearchCV"),
    "evolution": ("EvolutionSearchCV", "RandomizedSearchCV"),
    "halving": ("HalvingRandomSearchCV", "HalvingRandomSearchCV"),
    "halving_grid": ("HalvingGridSearchCV", "HalvingGridSearchCV"),
}
