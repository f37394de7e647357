"""Charts of the people KPIs: the most present actors, actors in films vs series, age at release.

Each `fig_*` builds the figure of one chart from its KPI's data (`analytics.selectors.people`), each
`read_*` its one-line reading; `FIGURES` and `READINGS` map the chart slugs to them. Pure: no database.
"""
from __future__ import annotations

from analytics.charts.common import (
    BLUE,
    GOLD,
    MIN_N_FOR_TREND,
    RED,
    base_layout,
    count_axis_behind,
    counted,
    decade_trend,
    fmt_int,
    no_data,
    pct,
)
from analytics.figure import go, make_subplots


def fig_actors_top(d, ctx):
    actors = d["actors"]
    fig = go.Figure()
    base_layout(fig, title="Most present actors and their decades",
                subtitle=f"Titles per actor/actress per release decade · {ctx['scope']}", height=520)
    if not actors:
        return no_data(fig)
    decades = d["decades"] or [0]
    names = [f"{a['name']} ({a['titles']})" for a in actors][::-1]
    z, text = [], []
    for a in actors[::-1]:
        cells = {c["decade"]: c["titles"] for c in a["by_decade"]}
        z.append([cells.get(dec, 0) for dec in decades])
        text.append([f"{a['name']}<br>{dec}s: {cells.get(dec, 0)} titles<br>active {a['first_year']}–{a['last_year']}"
                     for dec in decades])
    fig.add_trace(go.Heatmap(
        z=z, x=[f"{dec}s" for dec in decades], y=names, text=text, hoverinfo="text", xgap=2, ygap=2,
        colorscale=[[0, "#181818"], [0.001, "#3b0a0d"], [0.5, "#b20710"], [1, "#ff4b55"]],
        colorbar={"title": {"text": "titles"}, "thickness": 12}))
    fig.update_xaxes(title_text="Release decade", type="category", showgrid=False)
    fig.update_yaxes(title_text="Actor (total titles)", showgrid=False, automargin=True)
    fig.update_layout(margin={"l": 10})
    return fig


def read_actors_top(d, ctx):
    if not d["actors"]:
        return "No actor credits match these filters."
    a = d["actors"][0]
    per_decade = {}
    for actor in d["actors"]:
        for c in actor["by_decade"]:
            per_decade[c["decade"]] = per_decade.get(c["decade"], 0) + c["titles"]
    text = f"{a['name']} is the most present actor with {counted(a['titles'], 'title')}"
    if a["first_year"]:
        text += f" ({a['first_year']}–{a['last_year']})"
    if per_decade:
        busiest = max(sorted(per_decade), key=lambda k: per_decade[k])
        text += (f"; the top {len(d['actors'])} were busiest in the {busiest}s "
                 f"({counted(per_decade[busiest], 'title')} between them)")
    return text + "."


def fig_actors_films_series(d, ctx):
    fig = make_subplots(rows=1, cols=3, specs=[[{"type": "domain"}, {"type": "xy"}, {"type": "xy"}]],
                        column_widths=[0.28, 0.36, 0.36], horizontal_spacing=0.14,
                        subplot_titles=("Share of actors", "Top in films", "Top in series"))
    base_layout(fig, title="Actors in films vs series",
                subtitle="Distinct actors/actresses; films = movie, tvMovie · series = tvSeries, tvMiniSeries "
                         f"· {ctx['filters_no_type']}", height=500, top=115)
    if not d["actors"]:
        return no_data(fig)
    fig.add_trace(go.Pie(labels=["films only", "series only", "both"],
                         values=[d["films_only"], d["series_only"], d["both"]], hole=0.55, sort=False,
                         marker={"colors": [RED, BLUE, GOLD]}, textinfo="percent",
                         hovertemplate="%{label}: %{value:,} actors (%{percent})<extra></extra>", showlegend=True),
                  row=1, col=1)
    for col, key, color, label in ((2, "top_films", RED, "films"), (3, "top_series", BLUE, "series")):
        rows = d[key][::-1]
        fig.add_trace(go.Bar(x=[r[label] for r in rows], y=[r["name"] for r in rows], orientation="h",
                             marker_color=color, showlegend=False,
                             customdata=[[r["films"], r["series"]] for r in rows],
                             hovertemplate="%{y}: %{customdata[0]} films, %{customdata[1]} series<extra></extra>"),
                      row=1, col=col)
        fig.update_xaxes(title_text=f"{label} (count)", row=1, col=col)
    fig.update_yaxes(automargin=True, tickfont={"size": 11})
    fig.update_layout(legend={"orientation": "h", "x": 0, "xanchor": "left", "y": -0.15})
    return fig


def read_actors_films_series(d, ctx):
    if not d["actors"]:
        return "No actor credits in films or series match these filters."
    text = (f"Of {fmt_int(d['actors'])} actors, {pct(d['share_films_only'])} appear only in films, "
            f"{pct(d['share_series_only'])} only in series and {pct(d['share_both'])} in both")
    if d["top_both"]:
        b = d["top_both"][0]
        text += f"; {b['name']} leads those in both ({b['films']} films, {b['series']} series)"
    return text + "."


def fig_actor_age(d, ctx):
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    base_layout(fig, title="Average age of actors at release",
                subtitle=f"Release year − birth year, in years (lines: years with ≥ {MIN_N_FOR_TREND} credits) and "
                         f"credits (bars)<br>{ctx['scope']}", top=100)
    if not d["years"]:
        return no_data(fig)
    fig.add_trace(go.Bar(x=[y["year"] for y in d["years"]], y=[y["credits"] for y in d["years"]], name="credits",
                         marker_color="#3a3a3a", hovertemplate="%{x}: %{y:,} credits<extra></extra>"), secondary_y=False)
    # Lines only where a year's mean rests on enough credits (all years if none does).
    years = [y for y in d["years"] if y["credits"] >= MIN_N_FOR_TREND] or d["years"]
    x = [y["year"] for y in years]
    for key, name, color in (("avg_age", "all", GOLD), ("actor_avg", "actors", BLUE), ("actress_avg", "actresses", RED)):
        fig.add_trace(go.Scatter(x=x, y=[None if y[key] is None else round(y[key], 1) for y in years], name=name,
                                 mode="lines+markers" if len(x) < 40 else "lines", connectgaps=False,
                                 line={"color": color, "width": 2.5 if key == "avg_age" else 1.5},
                                 hovertemplate=f"%{{x}}: %{{y:.1f}} years ({name})<extra></extra>"), secondary_y=True)
    fig.update_xaxes(title_text="Release year")
    count_axis_behind(fig, "Credits (count)", "Average age (years)", max(y["credits"] for y in d["years"]))
    return fig


def read_actor_age(d, ctx):
    if not d["credits_used"]:
        return "No actor credits with a known birth year and release year match these filters."
    text = f"Actors were on average {d['overall_avg']:.1f} years old at release"
    parts = []
    if d["actress_avg"] is not None:
        parts.append(f"actresses {d['actress_avg']:.1f}")
    if d["actor_avg"] is not None:
        parts.append(f"actors {d['actor_avg']:.1f}")
    parts.append(counted(d['credits_used'], 'credit'))
    text += f" ({', '.join(parts)})"
    trend = decade_trend(d["decades"], "avg_age", "credits", "years", "the average")
    if trend:
        text += f"; {trend}"
    if d["excluded_missing_year"]:
        text += f"; {counted(d['excluded_missing_year'], 'credit')} without a birth or release year left out"
    return text + "."


FIGURES = {
    "actors-top": fig_actors_top,
    "actors-films-series": fig_actors_films_series,
    "actor-age": fig_actor_age,
}
READINGS = {
    "actors-top": read_actors_top,
    "actors-films-series": read_actors_films_series,
    "actor-age": read_actor_age,
}
