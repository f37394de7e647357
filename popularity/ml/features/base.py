"""The frame every feature step works on: canonical frame in, DataFrame with stable column names out.

``FrameTransformer`` is the base of the feature blocks; ``RecordNormalizer`` is the pipeline's first
step (records -> the canonical frame, validated), ``DropUninformative`` its last feature step
(drops the columns the training data leaves constant or empty). ``log_budget`` is shared by the
blocks that read the budget.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from ..schema import INPUT_FIELDS, canonical


def log_budget(frame: pd.DataFrame) -> np.ndarray:
    """log1p of the budget where it is positive, NaN elsewhere."""
    b = frame["budget"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(b > 0, np.log1p(b), np.nan)


class FrameTransformer(TransformerMixin, BaseEstimator):
    """Common bits: canonical input, DataFrame output with stable names."""

    def _names(self) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def get_feature_names_out(self, input_features=None):
        return np.asarray(self._names(), dtype=object)

    def _frame(self, data, index) -> pd.DataFrame:
        return pd.DataFrame(data, index=index, columns=self._names())


class RecordNormalizer(TransformerMixin, BaseEstimator):
    """Validates records (see ``schema.normalize_record``) and returns the canonical frame."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return canonical(X)

    def get_feature_names_out(self, input_features=None):
        return np.asarray(INPUT_FIELDS, dtype=object)


class DropUninformative(TransformerMixin, BaseEstimator):
    """Drops feature columns that are constant or entirely missing in the training data (e.g. the
    writer features when the data has no writers); HistGradientBoosting cannot bin an all-missing
    column."""

    def fit(self, X, y=None):
        keep = []
        for c in X.columns:
            col = X[c]
            if col.notna().any() and col.nunique(dropna=False) > 1:
                keep.append(c)
        self.columns_ = keep
        return self

    def transform(self, X):
        return X[self.columns_]

    def get_feature_names_out(self, input_features=None):
        return np.asarray(self.columns_, dtype=object)
