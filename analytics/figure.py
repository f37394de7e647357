"""A small, fast stand-in for the part of plotly.graph_objects the charts use, producing plain dicts.

plotly.py validates every property and deep-copies its templates: measured here, 30–150 ms per
dashboard figure, over a second for the whole page when the cache is cold. The figures the
dashboard needs are simple, so they are built as the Plotly JSON schema directly (same names,
same subplot geometry as `plotly.subplots.make_subplots`), and rendered by Plotly.js; the
theme ("plotly_dark") is applied once by the page (`plotly_template_json`) or by the report.
`Figure.to_plotly_figure()` gives a validated plotly Figure when one is wanted (report, tests).
"""
from __future__ import annotations

import json
from functools import lru_cache

_MAGIC_PREFIXES = ("marker", "title", "line", "font")


def _nest(kw: dict) -> dict:
    """plotly's "magic underscore" for the few prefixes used here: marker_color → {"marker": {"color"}}."""
    out = {}
    for k, v in kw.items():
        head, _, tail = k.partition("_")
        if tail and head in _MAGIC_PREFIXES:
            _merge(out, {head: _nest({tail: v})})
        else:
            _merge(out, {k: v})
    return out


def _merge(dst: dict, src: dict) -> dict:
    for k, v in src.items():
        if isinstance(v, dict) and isinstance(dst.get(k), dict):
            _merge(dst[k], v)
        else:
            dst[k] = v
    return dst


def _trace(kind):
    def make(**kw):
        return {"type": kind, **_nest(kw)}
    make.__name__ = kind
    return make


class go:  # noqa: N801 - mimics the plotly.graph_objects namespace
    Bar = staticmethod(_trace("bar"))
    Scatter = staticmethod(_trace("scatter"))
    Scattergl = staticmethod(_trace("scattergl"))
    Heatmap = staticmethod(_trace("heatmap"))
    Pie = staticmethod(_trace("pie"))

    @staticmethod
    def Figure():  # noqa: N802
        return Figure()


def _domains(n, spacing, weights=None):
    weights = weights or [1.0] * n
    total = sum(weights)
    free = 1.0 - spacing * (n - 1)
    out, start = [], 0.0
    for w in weights:
        size = free * w / total
        out.append([round(start, 6), round(start + size, 6)])
        start += size + spacing
    return out


class Figure:
    """data + layout dicts, with add_trace/update_* methods like plotly's (subset)."""

    def __init__(self, rows=1, cols=1, specs=None, column_widths=None, horizontal_spacing=None,
                 vertical_spacing=None, subplot_titles=None):
        self.data: list[dict] = []
        self.layout: dict = {}
        self._cells = {}  # (row, col) -> {"x": "x2", "y": "y2", "y2": "y3" | None, "domain": {...}}
        specs = specs or [[{} for _ in range(cols)] for _ in range(rows)]
        hs = 0.2 / cols if horizontal_spacing is None else horizontal_spacing
        vs = 0.3 / rows if vertical_spacing is None else vertical_spacing
        xd = _domains(cols, hs, column_widths)
        yd = list(reversed(_domains(rows, vs)))  # row 1 at the top
        n = 0
        for r in range(rows):
            for c in range(cols):
                spec = specs[r][c] or {}
                cell = {"domain": {"x": xd[c], "y": yd[r]}}
                if spec.get("type") == "domain":
                    self._cells[(r + 1, c + 1)] = cell
                    continue
                n += 1
                cell["x"], cell["y"] = self._axis("x", n), self._axis("y", n)
                self.layout[self._key(cell["x"])] = {"anchor": cell["y"], "domain": xd[c]}
                self.layout[self._key(cell["y"])] = {"anchor": cell["x"], "domain": yd[r]}
                if spec.get("secondary_y"):
                    n += 1
                    cell["y2"] = self._axis("y", n)
                    self.layout[self._key(cell["y2"])] = {"anchor": cell["x"], "overlaying": cell["y"],
                                                          "side": "right"}
                self._cells[(r + 1, c + 1)] = cell
        for i, text in enumerate(subplot_titles or ()):
            r, c = divmod(i, cols)
            if (r + 1, c + 1) not in self._cells or not text:
                continue
            dom = self._cells[(r + 1, c + 1)]["domain"]
            self.add_annotation(text=text, x=(dom["x"][0] + dom["x"][1]) / 2, y=dom["y"][1], xref="paper",
                                yref="paper", xanchor="center", yanchor="bottom", showarrow=False,
                                font={"size": 14})

    @staticmethod
    def _axis(letter, n):
        return letter if n == 1 else f"{letter}{n}"

    @staticmethod
    def _key(axis):
        return f"{axis[0]}axis{axis[1:]}"

    # --- plotly-like API ------------------------------------------------------------------
    def add_trace(self, trace: dict, row=None, col=None, secondary_y=False):
        trace = dict(trace)
        cell = self._cells.get((row or 1, col or 1))
        if cell is not None:
            if "x" not in cell:
                trace["domain"] = cell["domain"]
            elif cell["x"] != "x" or cell["y"] != "y" or secondary_y:
                trace["xaxis"] = cell["x"]
                trace["yaxis"] = cell["y2"] if secondary_y and cell.get("y2") else cell["y"]
        self.data.append(trace)
        return self

    def update_layout(self, **kw):
        _merge(self.layout, _nest(kw))
        return self

    def _update_axes(self, letter, kw, row=None, col=None, secondary_y=None):
        if row is None and col is None:
            names = [k for k in self.layout if k.startswith(f"{letter}axis")] or [f"{letter}axis"]
            if letter == "y" and secondary_y is not None:
                second = {self._key(c["y2"]) for c in self._cells.values() if c.get("y2")}
                names = [k for k in names if (k in second) == bool(secondary_y)]
        else:
            cell = self._cells[(row or 1, col or 1)]
            axis = cell["y2"] if letter == "y" and secondary_y and cell.get("y2") else cell[letter]
            names = [self._key(axis)]
        for name in names:
            _merge(self.layout.setdefault(name, {}), _nest(kw))
        return self

    def update_xaxes(self, row=None, col=None, **kw):
        return self._update_axes("x", kw, row, col)

    def update_yaxes(self, row=None, col=None, secondary_y=None, **kw):
        return self._update_axes("y", kw, row, col, secondary_y)

    def add_annotation(self, **kw):
        self.layout.setdefault("annotations", []).append(_nest(kw))
        return self

    def add_vline(self, x, **kw):
        shape = {"type": "line", "xref": "x", "yref": "y domain", "x0": x, "x1": x, "y0": 0, "y1": 1}
        self.layout.setdefault("shapes", []).append(_merge(shape, _nest(kw)))
        return self

    @property
    def height(self):
        return self.layout.get("height")

    def to_dict(self) -> dict:
        return {"data": self.data, "layout": self.layout}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"), allow_nan=False)

    def to_plotly_figure(self, template="plotly_dark"):
        """A validated plotly.graph_objects.Figure with the theme applied (slow: for the report)."""
        import plotly.graph_objects as pgo

        fig = pgo.Figure(self.to_dict())
        fig.update_layout(template=template)
        return fig


def make_subplots(rows=1, cols=1, specs=None, **kw) -> Figure:
    return Figure(rows=rows, cols=cols, specs=specs, **kw)


@lru_cache(maxsize=1)
def plotly_template_json(name="plotly_dark") -> str:
    """The theme's JSON, sent once per page and applied to every figure by dashboard.js."""
    import plotly.io as pio

    return json.dumps(pio.templates[name].to_plotly_json(), separators=(",", ":"))
