"""skhypertune: state-of-the-art hyperparameter search as a one-line change.

Drop-in replacements for scikit-learn's ``RandomizedSearchCV`` that accept the
same ``param_distributions`` and expose the same fitted attributes.
"""

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# Public name -> module defining it. Imported on first use so that
# ``import skhypertune`` stays cheap and optional extras stay optional.
_PUBLIC = {
    "BayesSearchCV": "skhypertune.bayes",
    "EvolutionSearchCV": "skhypertune.evolution",
    "HalvingGridSearchCV": "skhypertune.halving",
    "HalvingRandomSearchCV": "skhypertune.halving",
    "HyperbandSearchCV": "skhypertune.halving",
    "SearchSpace": "skhypertune.space",
    "narrow": "skhypertune.narrowing",
    "param_importances": "skhypertune.importance",
    "report": "skhypertune._report",
    "suggest_space": "skhypertune.narrowing",
}

__all__ = sorted(_PUBLIC) + ["__version__"]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'skhypertune' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
