"""Shared fixtures for the pure-ML popularity tests: one small model trained once per session."""
import pytest

from popularity.ml.model import train
from popularity.ml.synthetic import make_synthetic


@pytest.fixture(scope="session")
def synthetic_train():
    return make_synthetic(700, seed=1)


@pytest.fixture(scope="session")
def synthetic_test():
    return make_synthetic(600, seed=2)


#: Fewer, larger boosting steps than production: same pipeline, ~3x faster tests.
FAST = {"max_iter": 100, "learning_rate": 0.12}


@pytest.fixture(scope="session")
def fast_params():
    return dict(FAST)


@pytest.fixture(scope="session")
def trained(synthetic_train):
    """One seed, fast booster settings; importance on held-out folds."""
    return train(synthetic_train, seed=0, search=False, n_seeds=1, params=FAST, importance=True, importance_repeats=2)
