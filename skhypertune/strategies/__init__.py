"""Pure ask/tell search strategies over points of the unit cube.

Nothing in this package knows about estimators, cross-validation or joblib:
a strategy is given a :class:`~skhypertune.space.SearchSpace` and a random
generator, proposes points with :meth:`Strategy.ask` and learns from
:meth:`Strategy.tell`. Scores are "higher is better"; NaN marks a failed
evaluation. The halving module plans rung schedules rather than points.
"""

from ._base import RandomStrategy, Strategy
from .bayes import GPStrategy
from .evolution import EvolutionStrategy
from .halving import HalvingPlan, plan_halving, plan_hyperband

__all__ = [
    "EvolutionStrategy",
    "GPStrategy",
    "HalvingPlan",
    "RandomStrategy",
    "Strategy",
    "plan_halving",
    "plan_hyperband",
]
