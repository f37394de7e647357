"""scikit-learn transformers turning canonical film records into model features.

This package's ``__init__`` is its public API: every feature step is importable from here, and
:func:`popularity.ml.estimator.build_pipeline` assembles them.  It is also the path under which
artifacts written before the package was split pickled them (``_Vocabulary`` included, inside a
fitted ``RidgeStack``): unpickling looks them up here, so those artifacts still load.

==========  =================================================================================
``base``    ``RecordNormalizer`` (records -> the canonical frame, validated), ``DropUninformative``
            (drops the columns the training data leaves constant or empty), and the base class
``film``    the film's own fields: ``NumericFeatures`` (year, runtime, log budget, budget vs the
            country's usual one, list sizes, title flags), ``GenreBinarizer`` (multi-hot genres),
            ``CategoryGrouper`` (type/country/language categoricals, rare or unseen -> "other")
``people``  the people attached to the film: ``PeopleTargetEncoder`` (smoothed mean rating of each
            person's films; **leak-free**: out-of-fold encodings for the training rows, the average
            of the K fold encoders for new films), ``PeopleProfile`` and ``PeopleNetwork``
            (non-target: how the film compares with the people's other films; collaborations)
``ridge``   ``RidgeStack``: out-of-fold prediction of a ridge regression on sparse one-hot tokens,
            one input of the booster
==========  =================================================================================

Every transformer takes the whole canonical frame and returns a DataFrame indexed like it
(``base.FrameTransformer``).
"""
from __future__ import annotations

from .base import DropUninformative, RecordNormalizer
from .film import CategoryGrouper, GenreBinarizer, NumericFeatures
from .people import PeopleNetwork, PeopleProfile, PeopleTargetEncoder
from .ridge import RidgeStack, _Vocabulary  # noqa: F401 - _Vocabulary: see the docstring (pickled artifacts)

__all__ = ["RecordNormalizer", "DropUninformative", "NumericFeatures", "GenreBinarizer", "CategoryGrouper",
           "PeopleTargetEncoder", "PeopleProfile", "PeopleNetwork", "RidgeStack"]
