"""Explanations: what each input of a film project does to its estimate (what-if on the model).

Pure functions of a model's ``predict`` and the typical values it keeps (``typical_values`` of the
training frame, stored as ``TrainedModel.reference``).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .schema import (
    FIELD_LABELS,
    INPUT_FIELDS,
    LIST_FIELDS,
    NUMERIC_FIELDS,
    PEOPLE_FIELDS,
    format_value,
    records_to_frame,
)

__all__ = ["explain_record", "typical_values"]


def explain_record(predict, reference: dict, record: dict, top: int = 5) -> list[dict]:
    """What-if explanation for one record, by a model's ``predict`` and its ``reference`` values.

    For each input field present in the record, the field is replaced by its reference
    value (training median for numbers, "missing" for text/list fields) and the model is
    re-run; ``effect = prediction - prediction_without_the_field`` (positive = the field's
    value raises the estimate).  For people lists each person is also removed on their own
    (``items``).  Returns up to ``top`` dicts sorted by ``|effect|``::

        {"field", "label", "value" (display text), "effect" (rating points, signed),
         "text" (human-readable sentence), "items" (people lists only: [{"name", "effect"}])}
    """
    rec = records_to_frame([record]).iloc[0].to_dict()
    variants, keys = [rec], []
    for f in INPUT_FIELDS:
        v = rec[f]
        present = bool(v) if f in LIST_FIELDS else not (v is None or (isinstance(v, float) and math.isnan(v)))
        if not present:
            continue
        ref = reference.get(f)
        if f in NUMERIC_FIELDS and ref is not None and math.isclose(float(v), float(ref)):
            continue
        variants.append(dict(rec, **{f: ref if f in NUMERIC_FIELDS else ([] if f in LIST_FIELDS else None)}))
        keys.append((f, None))
        if f in PEOPLE_FIELDS and len(v) > 1:
            for name in v[:10]:
                variants.append(dict(rec, **{f: [p for p in v if p != name]}))
                keys.append((f, name))
    if not keys:
        return []
    preds, _, _ = predict(variants)
    base = preds[0]
    fields: dict[str, dict] = {}
    for (f, name), p in zip(keys, preds[1:], strict=True):
        effect = float(base - p)
        if name is None:
            fields[f] = {"field": f, "label": FIELD_LABELS[f], "value": format_value(f, rec[f]),
                         "effect": round(effect, 3)}
        else:
            fields[f].setdefault("items", []).append({"name": name, "effect": round(effect, 3)})
    out = sorted(fields.values(), key=lambda d: -abs(d["effect"]))[: max(0, top)]
    for d in out:
        if "items" in d:
            d["items"].sort(key=lambda it: -abs(it["effect"]))
        d["text"] = _explain_text(d, reference)
    return out


def _explain_text(d: dict, reference: dict) -> str:
    f, effect = d["field"], d["effect"]
    direction = "raises" if effect > 0 else "lowers"
    amount = f"{abs(effect):.2f}"
    label = FIELD_LABELS[f]
    if f in NUMERIC_FIELDS:
        ref = format_value(f, reference.get(f))
        return f"{label} {d['value']} (typical: {ref}) {direction} the estimate by {amount}"
    if f in LIST_FIELDS and d.get("items"):
        lead = d["items"][0]
        return (f"{label} ({d['value']}) {direction} the estimate by {amount}; "
                f"strongest: {lead['name']} ({lead['effect']:+.2f})")
    return f"{label} {d['value']} {direction} the estimate by {amount}"


def typical_values(X: pd.DataFrame) -> dict:
    """The "average film" of a training frame: the median of each numeric field (NaN when none is known)."""
    ref: dict = {}
    for f in NUMERIC_FIELDS:
        vals = X[f].to_numpy(float)
        vals = vals[~np.isnan(vals)]
        ref[f] = float(np.median(vals)) if vals.size else float("nan")
    return ref
