"""What every chart shares: the look (colours, layout, the "No data" notice), the counts-behind-a-mean
axes, and the words of the readings (counts, percentages, a trend across decades).

Pure functions over `analytics.figure.Figure`; no database.
"""
from __future__ import annotations

from analytics.figure import Figure

RED, GOLD, GREEN, BLUE, PURPLE, ORANGE, GREY = ("#E50914", "#F5C518", "#46D369", "#54B9F7", "#B967FF",
                                                "#FF8A3D", "#8C8C8C")
COLORWAY = [RED, BLUE, GOLD, GREEN, PURPLE, ORANGE, "#FF6F91", "#2EC4B6", GREY]
MIN_N_FOR_TREND = 5  # a decade's mean is quoted in a reading only when it rests on ≥ 5 titles/credits
HEIGHT = 440
TEMPLATE = "plotly_dark"  # applied by the page (dashboard.js) and the report, not stored in each figure


def fmt_int(n):
    """1204 → "1,204"."""
    return f"{int(n):,}"


def counted(n, word, plural=None):
    """"1 title", "2 titles", "1,204 credits"."""
    return f"{fmt_int(n)} {word if int(n) == 1 else (plural or word + 's')}"


def pct(x, nd=0):
    """0.25 → "25%" ("n/a" for None)."""
    return "n/a" if x is None else f"{100 * x:.{nd}f}%"


def base_layout(fig: Figure, *, title: str, subtitle: str, height: int = HEIGHT, top: int = 80,
                **kw) -> Figure:
    fig.update_layout(
        title={"text": title, "subtitle": {"text": subtitle, "font": {"size": 12, "color": "#a3a3a3"}},
               "x": 0.01, "xanchor": "left", "font": {"size": 17}},
        paper_bgcolor="#181818", plot_bgcolor="#181818", colorway=COLORWAY,
        font={"family": "Helvetica Neue, Helvetica, Arial, sans-serif", "color": "#e5e5e5", "size": 12},
        margin={"l": 60, "r": 30, "t": top, "b": 110}, height=height,
        legend={"orientation": "h", "yanchor": "top", "y": -0.26, "xanchor": "left", "x": 0,
                "bgcolor": "rgba(0,0,0,0)"},
        hoverlabel={"bgcolor": "#222", "font": {"color": "#fff"}},
        **kw,
    )
    fig.update_xaxes(gridcolor="#2a2a2a", zerolinecolor="#333")
    fig.update_yaxes(gridcolor="#2a2a2a", zerolinecolor="#333")
    return fig


def no_data(fig: Figure, message="No data for these filters") -> Figure:
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                       font={"size": 18, "color": "#a3a3a3"})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def _nice_step(top):
    """An integer tick step (1, 2, 5 × 10^k) giving about five ticks up to `top`."""
    raw = max(1.0, top / 5)
    mag = 10 ** (len(str(int(raw))) - 1)
    return next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)


def count_axis_behind(fig, count_title, value_title, max_count):
    """Counts (bars) on the right-hand primary axis, drawn behind the mean (line) on the left axis."""
    fig.update_yaxes(title_text=count_title, secondary_y=False, side="right", showgrid=False, rangemode="tozero",
                     tick0=0, dtick=_nice_step(max_count), tickformat=",d")
    fig.update_yaxes(title_text=value_title, secondary_y=True, side="left", showgrid=True, gridcolor="#2a2a2a",
                     tickmode="auto", nticks=8,
                     rangemode="tozero")


def decade_trend(rows, value_key, n_key, unit, what):
    """"<what> rose from 90 min in the 1960s to 105 min in the 2010s" (or fell, or stayed around), between
    the first and last decades resting on ≥ MIN_N_FOR_TREND rows; None with fewer than two such decades."""
    solid = [r for r in rows if r[n_key] >= MIN_N_FOR_TREND]
    if len(solid) >= 2:
        a, b = solid[0], solid[-1]
        verb = "rose" if b[value_key] > a[value_key] + 0.5 else "fell" if b[value_key] < a[value_key] - 0.5 else "stayed"
        if verb == "stayed":
            return (f"{what} stayed around {b[value_key]:.0f} {unit} from the {a['decade']}s to the "
                    f"{b['decade']}s")
        return (f"{what} {verb} from {a[value_key]:.0f} {unit} in the {a['decade']}s to "
                f"{b[value_key]:.0f} {unit} in the {b['decade']}s")
    return None
