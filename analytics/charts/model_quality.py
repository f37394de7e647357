"""Charts of the model KPIs: recommendation click-through and metrics across model versions.

Each `fig_*` builds the figure of one chart from its KPI's data (`analytics.selectors.model_quality`), each
`read_*` its one-line reading; `FIGURES` and `READINGS` map the chart slugs to them. Pure: no database.
"""
from __future__ import annotations

from analytics.charts.common import BLUE, GOLD, GREEN, RED, base_layout, fmt_int, no_data, pct
from analytics.figure import go, make_subplots


def fig_recommendation_ctr(d, ctx):
    fig = go.Figure()
    base_layout(fig, title=f"Recommendation click-through: {pct(d['ctr'], 1)}",
                subtitle=(f"Share (%) of (viewer, title) pairs in a snapshot's top {d['k']} that the viewer "
                          f"played afterwards<br>by recommendation list · {ctx['filters']}"), top=100)
    rows = d["by_reason"]
    if not rows:
        return no_data(fig, "No recommendation snapshots in this window")
    fig.add_trace(go.Bar(x=[r["label"] for r in rows], y=[100 * (r["ctr"] or 0) for r in rows],
                         marker_color=[RED, BLUE, GOLD, GREEN][:len(rows)],
                         customdata=[[r["converted"], r["pairs"]] for r in rows], name="click-through",
                         text=[pct(r["ctr"], 1) for r in rows], textposition="outside",
                         hovertemplate="%{x}: %{y:.1f}% (%{customdata[0]} of %{customdata[1]} pairs)<extra></extra>"))
    fig.update_xaxes(title_text="Recommendation list")
    fig.update_yaxes(title_text="Click-through (%)", rangemode="tozero")
    return fig


def read_recommendation_ctr(d, ctx):
    if not d["snapshots"]:
        return f"No recommendation snapshots in the {ctx['filters']}: click-through cannot be measured yet."
    text = (f"{pct(d['ctr'], 1)} of recommended (viewer, title) pairs were played afterwards "
            f"({fmt_int(d['converted'])} of {fmt_int(d['pairs'])}, top {d['k']} of {fmt_int(d['snapshots'])} snapshots)")
    if len(d["by_reason"]) > 1:
        best = max(d["by_reason"], key=lambda r: r["ctr"] or 0)
        text += f"; best list: {best['label']} ({pct(best['ctr'], 1)})"
    return text + "."


def fig_model_metrics(d, ctx):
    models = [m for m in d["models"] if m["versions"] and m["metric_names"]]
    fig = make_subplots(rows=1, cols=max(len(models), 1), horizontal_spacing=0.12,
                        subplot_titles=tuple(m["name"] for m in models) or ("",))
    base_layout(fig, title="Model metrics across versions",
                subtitle="Every numeric metric stored with each trained version (unitless scores), oldest first",
                height=520, top=115)
    if not models:
        return no_data(fig, "No trained model versions with metrics yet")
    for col, m in enumerate(models, start=1):
        x = [v["version"] for v in m["versions"]]
        for name in m["metric_names"][:8]:
            y = []
            for v in m["versions"]:
                vals = {mm["name"]: mm["value"] for mm in v["metrics"]}
                y.append(vals.get(name))
            fig.add_trace(go.Scatter(x=x, y=y, mode="lines+markers", name=f"{m['name']}: {name}",
                                     hovertemplate=f"%{{x}}<br>{name} = %{{y:.4g}}<extra></extra>"), row=1, col=col)
        fig.update_xaxes(title_text="version", type="category", row=1, col=col)
        fig.update_yaxes(title_text="metric value", row=1, col=col)
    fig.update_layout(legend={"orientation": "h", "y": -0.25, "x": 0, "xanchor": "left", "yanchor": "top"},
                      margin={"b": 120})
    return fig


def read_model_metrics(d, ctx):
    bits = []
    for m in d["models"]:
        if not m["versions"]:
            continue
        n = len(m["versions"])
        text = f"{m['name']}: {n} version{'s' if n > 1 else ''}"
        if m["metric_names"]:
            key = next((k for k in m["metric_names"] if "ndcg" in k), None) or next(
                (k for k in m["metric_names"] if k.endswith("r2") or "r2" in k), None) or m["metric_names"][0]
            vals = [v for v in ({mm["name"]: mm["value"] for mm in ver["metrics"]}.get(key) for ver in m["versions"])
                    if v is not None]
            if len(vals) >= 2:
                text += f", {key} went from {vals[0]:.3g} to {vals[-1]:.3g}"
            elif vals:
                text += f", {key} = {vals[-1]:.3g}"
        bits.append(text)
    if not bits:
        return "No trained model versions yet."
    return "; ".join(bits) + "."


FIGURES = {
    "recommendation-ctr": fig_recommendation_ctr,
    "model-metrics": fig_model_metrics,
}
READINGS = {
    "recommendation-ctr": read_recommendation_ctr,
    "model-metrics": read_model_metrics,
}
