"""Charts of the viewing KPIs: events per day, completion, most watched and abandoned titles,
active viewers.

Each `fig_*` builds the figure of one chart from its KPI's data (`analytics.selectors.viewing`), each
`read_*` its one-line reading; `FIGURES` and `READINGS` map the chart slugs to them. Pure: no database.
"""
from __future__ import annotations

from analytics.charts.common import BLUE, GOLD, GREEN, GREY, ORANGE, RED, base_layout, counted, fmt_int, no_data, pct
from analytics.figure import go, make_subplots

KIND_COLORS = {"thumbnail_click": GREY, "play": BLUE, "skip": ORANGE, "close": RED, "full_watch": GREEN,
               "rating": GOLD}


def fig_events_per_day(d, ctx):
    fig = go.Figure()
    base_layout(fig, title="Events per day by kind",
                subtitle=f"Events (count) per UTC day, stacked by kind<br>{ctx['filters']}", barmode="stack", top=100)
    if not d["events"]:
        return no_data(fig, "No viewing events in this window")
    x = [r["day"] for r in d["days"]]
    for k in d["kinds"]:
        if d["totals"].get(k):
            fig.add_trace(go.Bar(x=x, y=[r[k] for r in d["days"]], name=k.replace("_", " "),
                                 marker_color=KIND_COLORS.get(k),
                                 hovertemplate=f"%{{x}}: %{{y:,}} {k}<extra></extra>"))
    fig.update_xaxes(title_text="Day (UTC)", type="date")
    fig.update_yaxes(title_text="Events (count)")
    return fig


def read_events_per_day(d, ctx):
    if not d["events"]:
        return f"No viewing events in the {ctx['filters']}."
    busiest = max(d["days"], key=lambda r: sum(r[k] for k in d["kinds"]))
    t = d["totals"]
    return (f"{fmt_int(d['events'])} events in the {ctx['filters']} ({fmt_int(t.get('play', 0))} plays, "
            f"{fmt_int(t.get('full_watch', 0))} full watches); busiest day {busiest['day']} with "
            f"{fmt_int(sum(busiest[k] for k in d['kinds']))} events.")


def fig_completion(d, ctx):
    fig = go.Figure()
    rate = d["completion_rate"]
    base_layout(fig, title=f"Completion rate: {pct(rate, 1)} overall",
                subtitle=f"Viewers who finished ÷ viewers who pressed play, per title (%)<br>most-started titles "
                         f"· {ctx['filters']} · dashed line = overall", height=480, top=100)
    rows = [r for r in d["titles"] if r["completion_rate"] is not None][::-1]
    if not rows:
        return no_data(fig, "No plays in this window")
    fig.add_trace(go.Bar(x=[100 * r["completion_rate"] for r in rows], y=[r["title"][:40] for r in rows],
                         orientation="h", marker_color=GREEN, name="completion",
                         customdata=[[r["finishers"], r["starters"]] for r in rows],
                         hovertemplate="%{y}: %{x:.0f}% (%{customdata[0]} of %{customdata[1]} viewers)<extra></extra>"))
    if rate is not None:
        fig.add_vline(x=100 * rate, line_dash="dash", line_color=GOLD)
    fig.update_xaxes(title_text="Completion (% of viewers who started)", rangemode="tozero")
    fig.update_yaxes(automargin=True)
    return fig


def read_completion(d, ctx):
    if not d["starters"]:
        return f"No plays in the {ctx['filters']}, so no completion rate."
    text = (f"{pct(d['completion_rate'])} of started (viewer, title) pairs ended in a full watch "
            f"({fmt_int(d['finishers'])} of {fmt_int(d['starters'])})")
    solid = [r for r in d["titles"] if r["starters"] >= 3 and r["completion_rate"] is not None]
    if solid:
        best = max(solid, key=lambda r: (r["completion_rate"], r["starters"]))
        text += f"; best finished among titles with ≥ 3 starts: {best['title']} ({pct(best['completion_rate'])})"
    return text + "."


def fig_watched_abandoned(d, ctx):
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.3,
                        subplot_titles=("Most watched (finished)", "Most abandoned (closed, never finished)"))
    base_layout(fig, title="Most watched and most abandoned titles",
                subtitle=f"Distinct viewers (count) · {ctx['filters']}", height=480, top=115, showlegend=False)
    if not d["most_watched"] and not d["most_abandoned"]:
        return no_data(fig, "No full watches or closes in this window")
    for col, key, color in ((1, "most_watched", GREEN), (2, "most_abandoned", RED)):
        rows = d[key][::-1]
        fig.add_trace(go.Bar(x=[r["viewers"] for r in rows], y=[r["title"][:30] for r in rows], orientation="h",
                             marker_color=color, hovertemplate="%{y}: %{x:,} viewers<extra></extra>"), row=1, col=col)
        fig.update_xaxes(title_text="viewers", row=1, col=col)
    fig.update_yaxes(automargin=True, tickfont={"size": 11})
    return fig


def read_watched_abandoned(d, ctx):
    bits = []
    if d["most_watched"]:
        w = d["most_watched"][0]
        bits.append(f"most watched: {w['title']} ({counted(w['viewers'], 'viewer')} finished it)")
    if d["most_abandoned"]:
        a = d["most_abandoned"][0]
        bits.append(f"most abandoned: {a['title']} ({counted(a['viewers'], 'viewer')} closed it without finishing)")
    if not bits:
        return f"No full watches or closes in the {ctx['filters']}."
    text = "; ".join(bits)
    return text[0].upper() + text[1:] + "."


def fig_active_viewers(d, ctx):
    fig = go.Figure()
    base_layout(fig, title="Active viewers",
                subtitle=(f"Distinct viewers with at least one event, per UTC day · {ctx['filters']}<br>"
                          f"<b>{fmt_int(d['last_1_day'])}</b> in the last 24 h · <b>{fmt_int(d['last_7_days'])}</b> "
                          f"in 7 days · <b>{fmt_int(d['last_30_days'])}</b> in 30 days"), top=100)
    if not any(r["viewers"] for r in d["days"]):
        return no_data(fig, "No active viewers in this window")
    fig.add_trace(go.Scatter(x=[r["day"] for r in d["days"]], y=[r["viewers"] for r in d["days"]], mode="lines",
                             fill="tozeroy", line={"color": RED, "width": 2}, fillcolor="rgba(229,9,20,0.25)",
                             name="viewers", hovertemplate="%{x}: %{y:,} viewers<extra></extra>"))
    fig.update_xaxes(title_text="Day (UTC)", type="date")
    fig.update_yaxes(title_text="Viewers (count)", rangemode="tozero")
    return fig


def read_active_viewers(d, ctx):
    return (f"{fmt_int(d['last_1_day'])} viewers active in the last 24 hours, {fmt_int(d['last_7_days'])} in the "
            f"last 7 days and {fmt_int(d['last_30_days'])} in the last 30 days.")


FIGURES = {
    "events-per-day": fig_events_per_day,
    "completion": fig_completion,
    "watched-abandoned": fig_watched_abandoned,
    "active-viewers": fig_active_viewers,
}
READINGS = {
    "events-per-day": read_events_per_day,
    "completion": read_completion,
    "watched-abandoned": read_watched_abandoned,
    "active-viewers": read_active_viewers,
}
