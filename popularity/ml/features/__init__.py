"""The feature transformers (being split into one module per kind of feature; this commit only
moves the file, so that its history follows ``popularity/ml/features/people.py``)."""
from .people import *  # noqa: F403 - replaced by the next commit
from .people import _Vocabulary  # noqa: F401 - the path artifacts pickled it under
