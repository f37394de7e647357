"""Plotly figure builders and one-line readings, from the KPI data of `analytics.selectors`.

Pure functions (no database): `FIGURES[slug](data, ctx) -> analytics.figure.Figure` (Plotly JSON) and
`READINGS[slug](data, ctx) -> str`. `ctx` carries the filters' description. Every figure has
a title, a subtitle with units and scope, labelled axes, the dark theme, and shows a
"No data" notice instead of failing when the data is empty.
"""
from __future__ import annotations

from analytics.figure import Figure, go, make_subplots

RED, GOLD, GREEN, BLUE, PURPLE, ORANGE, GREY = ("#E50914", "#F5C518", "#46D369", "#54B9F7", "#B967FF",
                                                "#FF8A3D", "#8C8C8C")
COLORWAY = [RED, BLUE, GOLD, GREEN, PURPLE, ORANGE, "#FF6F91", "#2EC4B6", GREY]
KIND_COLORS = {"thumbnail_click": GREY, "play": BLUE, "skip": ORANGE, "close": RED, "full_watch": GREEN,
               "rating": GOLD}
MIN_N_FOR_TREND = 5  # a decade's mean is quoted in a reading only when it rests on ≥ 5 titles/credits
HEIGHT = 440
TEMPLATE = "plotly_dark"  # applied by the page (dashboard.js) and the report, not stored in each figure


def _fmt_int(n):
    return f"{int(n):,}"


def _n(n, word, plural=None):
    """"1 title", "2 titles", "1,204 credits"."""
    return f"{_fmt_int(n)} {word if int(n) == 1 else (plural or word + 's')}"


def _pct(x, nd=0):
    return "n/a" if x is None else f"{100 * x:.{nd}f}%"


def _money(x):
    x = float(x or 0)
    for unit, div in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(x) >= div:
            return f"${x / div:.1f}{unit}"
    return f"${x:.0f}"


def _scope_label(types):
    return ", ".join(types) if types else "all title types"


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


def _count_axis_behind(fig, count_title, value_title, max_count):
    """Counts (bars) on the right-hand primary axis, drawn behind the mean (line) on the left axis."""
    fig.update_yaxes(title_text=count_title, secondary_y=False, side="right", showgrid=False, rangemode="tozero",
                     tick0=0, dtick=_nice_step(max_count), tickformat=",d")
    fig.update_yaxes(title_text=value_title, secondary_y=True, side="left", showgrid=True, gridcolor="#2a2a2a",
                     tickmode="auto", nticks=8,
                     rangemode="tozero")


# --- catalog ---------------------------------------------------------------------------------------

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
    text = f"{a['name']} is the most present actor with {_n(a['titles'], 'title')}"
    if a["first_year"]:
        text += f" ({a['first_year']}–{a['last_year']})"
    if per_decade:
        busiest = max(sorted(per_decade), key=lambda k: per_decade[k])
        text += (f"; the top {len(d['actors'])} were busiest in the {busiest}s "
                 f"({_n(per_decade[busiest], 'title')} between them)")
    return text + "."


def fig_runtime_by_year(d, ctx):
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    base_layout(fig, title="Average runtime by release year",
                subtitle=f"Mean runtime (minutes, line) and number of titles behind it (bars)<br>{ctx['scope']}",
                top=100)
    years = d["years"]
    if not years:
        return no_data(fig)
    x = [y["year"] for y in years]
    fig.add_trace(go.Bar(x=x, y=[y["titles"] for y in years], name="titles", marker_color="#3a3a3a",
                         hovertemplate="%{x}: %{y:,} titles<extra></extra>"), secondary_y=False)
    fig.add_trace(go.Scatter(x=x, y=[round(y["avg_runtime"], 1) for y in years], name="mean runtime",
                             mode="lines+markers" if len(x) < 40 else "lines", line={"color": RED, "width": 2.5},
                             hovertemplate="%{x}: %{y:.1f} min<extra></extra>"), secondary_y=True)
    fig.update_xaxes(title_text="Release year")
    _count_axis_behind(fig, "Titles (count)", "Mean runtime (min)", max(y["titles"] for y in years))
    fig.update_layout(bargap=0.1)
    return fig


def _trend(rows, value_key, n_key, unit, what):
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


def read_runtime_by_year(d, ctx):
    if not d["years"]:
        return "No titles with a runtime match these filters."
    text = _trend(d["decades"], "avg_runtime", "titles", "min", "Average runtime") or (
        f"Average runtime is {d['overall_avg']:.0f} min")
    text += f" ({_n(d['titles_used'], 'title')})"
    if d["titles_without_runtime"]:
        text += (f"; {_n(d['titles_without_runtime'], 'title')} without a runtime "
                 f"{'is' if d['titles_without_runtime'] == 1 else 'are'} left out")
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
    text = (f"Of {_fmt_int(d['actors'])} actors, {_pct(d['share_films_only'])} appear only in films, "
            f"{_pct(d['share_series_only'])} only in series and {_pct(d['share_both'])} in both")
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
    _count_axis_behind(fig, "Credits (count)", "Average age (years)", max(y["credits"] for y in d["years"]))
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
    parts.append(_n(d['credits_used'], 'credit'))
    text += f" ({', '.join(parts)})"
    trend = _trend(d["decades"], "avg_age", "credits", "years", "the average")
    if trend:
        text += f"; {trend}"
    if d["excluded_missing_year"]:
        text += f"; {_n(d['excluded_missing_year'], 'credit')} without a birth or release year left out"
    return text + "."


def fig_top_rated(d, ctx):
    fig = make_subplots(rows=1, cols=2, column_widths=[0.5, 0.5], horizontal_spacing=0.2,
                        subplot_titles=(f"Top {len(d['titles'])} by weighted rating",
                                        "Genres: share of the top vs of the catalog"))
    C = d["C"]
    base_layout(fig, title="Best-rated titles (IMDb weighted rating)",
                subtitle=(f"WR = v/(v+m)·R + m/(v+m)·C, rating out of 10 · m = {_fmt_int(d['m'])} votes, "
                          f"C = {C:.2f} · {ctx['scope']}" if C is not None else f"no rated titles · {ctx['scope']}"),
                height=600, top=115)
    if not d["titles"]:
        return no_data(fig)
    rows = d["titles"][::-1]
    fig.add_trace(go.Bar(
        x=[r["weighted_rating"] for r in rows],
        y=[f"{r['title'][:32]} ({r['year'] or '?'})" for r in rows], orientation="h", marker_color=GOLD,
        name="weighted rating", customdata=[[r["rating"], r["votes"]] for r in rows],
        hovertemplate="%{y}<br>WR %{x:.2f} · IMDb %{customdata[0]} · %{customdata[1]:,} votes<extra></extra>"),
        row=1, col=1)
    lo = min(r["weighted_rating"] for r in rows)
    fig.update_xaxes(title_text="Weighted rating (/10)", range=[max(0, lo - 0.5), 10], row=1, col=1)
    genres = d["genres"][:10][::-1]
    if genres:
        names = [g["key"] for g in genres]
        fig.add_trace(go.Bar(x=[g["catalog_share"] * 100 for g in genres], y=names, orientation="h",
                             name="share of catalog", marker_color=GREY,
                             hovertemplate="%{y}: %{x:.1f}% of the catalog<extra></extra>"), row=1, col=2)
        fig.add_trace(go.Bar(x=[g["top_share"] * 100 for g in genres], y=names, orientation="h",
                             name=f"share of top {len(d['titles'])}", marker_color=RED,
                             hovertemplate="%{y}: %{x:.1f}% of the top<extra></extra>"), row=1, col=2)
        fig.update_xaxes(title_text="Share of titles (%)", row=1, col=2)
    fig.update_yaxes(automargin=True, tickfont={"size": 11})
    fig.update_layout(barmode="group")
    return fig


def read_top_rated(d, ctx):
    if not d["titles"]:
        return "No rated titles with enough votes match these filters."
    t = d["titles"][0]
    text = (f"“{t['title']}” leads with a weighted rating of {t['weighted_rating']:.2f} "
            f"(IMDb {t['rating']}, {_fmt_int(t['votes'])} votes; m = {_fmt_int(d['m'])}, C = {d['C']:.2f})")
    over = [g for g in d["genres"] if g["lift"] is not None and g["top_count"] >= 2]
    if over:
        g = max(over, key=lambda g: (g["lift"], g["top_count"]))
        text += (f"; {g['key']} is {g['lift']:.1f}× over-represented ({_pct(g['top_share'])} of the top vs "
                 f"{_pct(g['catalog_share'])} of the catalog)")
    return text + "."


def fig_top_rated_traits(d, ctx):
    fig = make_subplots(rows=2, cols=2, vertical_spacing=0.2, horizontal_spacing=0.2,
                        subplot_titles=("Decades", "Runtimes", "Countries", "Directors"))
    base_layout(fig, title=f"What the top {len(d['titles'])} share, compared to the catalog",
                subtitle=f"Share of titles (%) in the weighted-rating top vs the whole scope · {ctx['scope']}",
                height=640, top=115, barmode="group")
    if not d["titles"]:
        return no_data(fig)
    for i, (key, r, c) in enumerate((("decades", 1, 1), ("runtimes", 1, 2), ("countries", 2, 1),
                                     ("directors", 2, 2))):
        rows = d[key][:8]
        labels = [f"{x['key']}s" if key == "decades" else x["key"] for x in rows]
        fig.add_trace(go.Bar(x=labels, y=[x["catalog_share"] * 100 for x in rows], name="catalog",
                             marker_color=GREY, showlegend=i == 0, legendgroup="catalog",
                             hovertemplate="%{x}: %{y:.1f}% of the catalog<extra></extra>"), row=r, col=c)
        fig.add_trace(go.Bar(x=labels, y=[x["top_share"] * 100 for x in rows], name="top", marker_color=RED,
                             showlegend=i == 0, legendgroup="top",
                             hovertemplate="%{x}: %{y:.1f}% of the top<extra></extra>"), row=r, col=c)
        fig.update_yaxes(title_text="% of titles", row=r, col=c)
        fig.update_xaxes(type="category", tickangle=-30 if key in ("countries", "directors") else 0, row=r, col=c)
    return fig


def read_top_rated_traits(d, ctx):
    if not d["titles"]:
        return "No rated titles with enough votes match these filters."
    bits = []
    for key in ("decades", "runtimes", "countries"):
        cands = [x for x in d[key] if x["lift"] is not None and x["top_count"] >= 2 and x["key"] != "unknown"]
        if cands:
            x = max(cands, key=lambda x: (x["lift"], x["top_count"]))
            name = f"the {x['key']}s" if key == "decades" else x["key"]
            bits.append(f"{name} ({_pct(x['top_share'])} of the top vs {_pct(x['catalog_share'])})")
    if d["directors"] and d["directors"][0]["top_count"] >= 2:
        x = d["directors"][0]
        bits.append(f"director {x['key']} ({x['top_count']} titles in the top)")
    if not bits:
        return f"The top {len(d['titles'])} looks like the catalog: no trait stands out with at least two titles."
    return "Over-represented in the top: " + "; ".join(bits) + "."


def fig_catalog_size(d, ctx):
    fig = make_subplots(rows=2, cols=2, vertical_spacing=0.2, horizontal_spacing=0.12,
                        subplot_titles=("By type", "By decade", "By genre (top 20)", "By country (top 20)"))
    base_layout(fig, title=f"Catalog size: {_fmt_int(d['total'])} titles",
                subtitle=f"Number of titles · {ctx['filters']}", height=660, top=115, showlegend=False)
    if not d["total"]:
        return no_data(fig, "The catalog is empty for these filters")
    for key, r, c, color in (("by_type", 1, 1, RED), ("by_decade", 1, 2, BLUE), ("by_genre", 2, 1, GOLD),
                             ("by_country", 2, 2, GREEN)):
        rows = d[key]
        fig.add_trace(go.Bar(x=[x["label"] for x in rows], y=[x["titles"] for x in rows], marker_color=color,
                             hovertemplate="%{x}: %{y:,} titles<extra></extra>"), row=r, col=c)
        fig.update_yaxes(title_text="titles", row=r, col=c)
        fig.update_xaxes(type="category", tickangle=-40 if key != "by_decade" else 0, row=r, col=c)
    return fig


def read_catalog_size(d, ctx):
    if not d["total"]:
        return "The catalog is empty for these filters."
    total = d["total"]
    text = _n(total, 'title')
    if d["by_type"]:
        t = d["by_type"][0]
        text += f", mostly {t['label'].lower()}s ({_pct(t['titles'] / total)})"
    if d["by_genre"]:
        g = d["by_genre"][0]
        text += f"; the largest genre is {g['label']} ({_pct(g['titles'] / total)})"
    if d["by_decade"]:
        dd = max(d["by_decade"], key=lambda x: x["titles"])
        text += f", the biggest decade the {dd['label']} ({_fmt_int(dd['titles'])})"
    if d["by_country"]:
        c = d["by_country"][0]
        text += f", the first country {c['label']} ({_fmt_int(c['titles'])})"
    return text + "."


def fig_budget_revenue(d, ctx):
    fig = go.Figure()
    base_layout(fig, title="Budget vs revenue vs rating",
                subtitle=(f"US dollars, log scales; colour = rating /10 (IMDb, else TMDB); dashed line = break-even "
                          f"· {_fmt_int(d['points_shown'])} of {_fmt_int(d['titles'])} titles shown · {ctx['filters']}"),
                height=520)
    pts = d["points"]
    if not pts:
        return no_data(fig, "No titles with a known budget and revenue")
    rated = [p for p in pts if p["rating"] is not None]
    unrated = [p for p in pts if p["rating"] is None]
    if unrated:
        fig.add_trace(go.Scattergl(
            x=[p["budget"] for p in unrated], y=[p["revenue"] for p in unrated], mode="markers", name="no rating",
            text=[f"{p['title']} ({p['year'] or '?'})" for p in unrated],
            marker={"size": 6, "opacity": 0.6, "color": GREY},
            hovertemplate="%{text}<br>budget $%{x:,.0f}<br>revenue $%{y:,.0f}<br>no rating<extra></extra>"))
    if rated:
        fig.add_trace(go.Scattergl(
            x=[p["budget"] for p in rated], y=[p["revenue"] for p in rated], mode="markers", name="rated titles",
            text=[f"{p['title']} ({p['year'] or '?'})" for p in rated],
            marker={"size": 7, "opacity": 0.8, "color": [p["rating"] for p in rated], "cmin": 3, "cmax": 9,
                    "colorscale": [[0, "#54B9F7"], [0.5, "#F5C518"], [1, "#E50914"]],
                    "colorbar": {"title": {"text": "rating"}, "thickness": 12}, "line": {"width": 0}},
            customdata=[p["rating"] for p in rated],
            hovertemplate="%{text}<br>budget $%{x:,.0f}<br>revenue $%{y:,.0f}<br>rating %{customdata}<extra></extra>"))
    lo = min(min(p["budget"] for p in pts), min(p["revenue"] for p in pts))
    hi = max(max(p["budget"] for p in pts), max(p["revenue"] for p in pts))
    fig.add_trace(go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", name="break-even", hoverinfo="skip",
                             line={"color": GREY, "dash": "dash", "width": 1}))
    fig.update_xaxes(title_text="Budget (US$, log)", type="log")
    fig.update_yaxes(title_text="Revenue (US$, log)", type="log")
    return fig


def read_budget_revenue(d, ctx):
    if not d["titles"]:
        return "No titles with a known budget and revenue match these filters."
    text = (f"{_n(d['titles'], 'title')} with known budget and revenue: {_pct(d['share_profitable'])} earned more "
            f"than their budget, {d['revenue_to_budget']:.1f}× overall")
    if d["revenue_to_budget_rated_7_plus"] is not None and d["revenue_to_budget_others"] is not None:
        text += (f"; those rated ≥ 7 returned {d['revenue_to_budget_rated_7_plus']:.1f}× their budget vs "
                 f"{d['revenue_to_budget_others']:.1f}× for the others")
    return text + "."


# --- viewing --------------------------------------------------------------------------------------

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
    return (f"{_fmt_int(d['events'])} events in the {ctx['filters']} ({_fmt_int(t.get('play', 0))} plays, "
            f"{_fmt_int(t.get('full_watch', 0))} full watches); busiest day {busiest['day']} with "
            f"{_fmt_int(sum(busiest[k] for k in d['kinds']))} events.")


def fig_completion(d, ctx):
    fig = go.Figure()
    rate = d["completion_rate"]
    base_layout(fig, title=f"Completion rate: {_pct(rate, 1)} overall",
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
    text = (f"{_pct(d['completion_rate'])} of started (viewer, title) pairs ended in a full watch "
            f"({_fmt_int(d['finishers'])} of {_fmt_int(d['starters'])})")
    solid = [r for r in d["titles"] if r["starters"] >= 3 and r["completion_rate"] is not None]
    if solid:
        best = max(solid, key=lambda r: (r["completion_rate"], r["starters"]))
        text += f"; best finished among titles with ≥ 3 starts: {best['title']} ({_pct(best['completion_rate'])})"
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
        bits.append(f"most watched: {w['title']} ({_n(w['viewers'], 'viewer')} finished it)")
    if d["most_abandoned"]:
        a = d["most_abandoned"][0]
        bits.append(f"most abandoned: {a['title']} ({_n(a['viewers'], 'viewer')} closed it without finishing)")
    if not bits:
        return f"No full watches or closes in the {ctx['filters']}."
    text = "; ".join(bits)
    return text[0].upper() + text[1:] + "."


def fig_active_viewers(d, ctx):
    fig = go.Figure()
    base_layout(fig, title="Active viewers",
                subtitle=(f"Distinct viewers with at least one event, per UTC day · {ctx['filters']}<br>"
                          f"<b>{_fmt_int(d['last_1_day'])}</b> in the last 24 h · <b>{_fmt_int(d['last_7_days'])}</b> "
                          f"in 7 days · <b>{_fmt_int(d['last_30_days'])}</b> in 30 days"), top=100)
    if not any(r["viewers"] for r in d["days"]):
        return no_data(fig, "No active viewers in this window")
    fig.add_trace(go.Scatter(x=[r["day"] for r in d["days"]], y=[r["viewers"] for r in d["days"]], mode="lines",
                             fill="tozeroy", line={"color": RED, "width": 2}, fillcolor="rgba(229,9,20,0.25)",
                             name="viewers", hovertemplate="%{x}: %{y:,} viewers<extra></extra>"))
    fig.update_xaxes(title_text="Day (UTC)", type="date")
    fig.update_yaxes(title_text="Viewers (count)", rangemode="tozero")
    return fig


def read_active_viewers(d, ctx):
    return (f"{_fmt_int(d['last_1_day'])} viewers active in the last 24 hours, {_fmt_int(d['last_7_days'])} in the "
            f"last 7 days and {_fmt_int(d['last_30_days'])} in the last 30 days.")


def fig_recommendation_ctr(d, ctx):
    fig = go.Figure()
    base_layout(fig, title=f"Recommendation click-through: {_pct(d['ctr'], 1)}",
                subtitle=(f"Share (%) of (viewer, title) pairs in a snapshot's top {d['k']} that the viewer "
                          f"played afterwards<br>by recommendation list · {ctx['filters']}"), top=100)
    rows = d["by_reason"]
    if not rows:
        return no_data(fig, "No recommendation snapshots in this window")
    fig.add_trace(go.Bar(x=[r["label"] for r in rows], y=[100 * (r["ctr"] or 0) for r in rows],
                         marker_color=[RED, BLUE, GOLD, GREEN][:len(rows)],
                         customdata=[[r["converted"], r["pairs"]] for r in rows], name="click-through",
                         text=[_pct(r["ctr"], 1) for r in rows], textposition="outside",
                         hovertemplate="%{x}: %{y:.1f}% (%{customdata[0]} of %{customdata[1]} pairs)<extra></extra>"))
    fig.update_xaxes(title_text="Recommendation list")
    fig.update_yaxes(title_text="Click-through (%)", rangemode="tozero")
    return fig


def read_recommendation_ctr(d, ctx):
    if not d["snapshots"]:
        return f"No recommendation snapshots in the {ctx['filters']}: click-through cannot be measured yet."
    text = (f"{_pct(d['ctr'], 1)} of recommended (viewer, title) pairs were played afterwards "
            f"({_fmt_int(d['converted'])} of {_fmt_int(d['pairs'])}, top {d['k']} of {_fmt_int(d['snapshots'])} snapshots)")
    if len(d["by_reason"]) > 1:
        best = max(d["by_reason"], key=lambda r: r["ctr"] or 0)
        text += f"; best list: {best['label']} ({_pct(best['ctr'], 1)})"
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
    "actors-top": fig_actors_top, "runtime-by-year": fig_runtime_by_year,
    "actors-films-series": fig_actors_films_series, "actor-age": fig_actor_age, "top-rated": fig_top_rated,
    "top-rated-traits": fig_top_rated_traits, "size": fig_catalog_size, "budget-revenue": fig_budget_revenue,
    "events-per-day": fig_events_per_day, "completion": fig_completion, "watched-abandoned": fig_watched_abandoned,
    "active-viewers": fig_active_viewers, "recommendation-ctr": fig_recommendation_ctr,
    "model-metrics": fig_model_metrics,
}
READINGS = {
    "actors-top": read_actors_top, "runtime-by-year": read_runtime_by_year,
    "actors-films-series": read_actors_films_series, "actor-age": read_actor_age, "top-rated": read_top_rated,
    "top-rated-traits": read_top_rated_traits, "size": read_catalog_size, "budget-revenue": read_budget_revenue,
    "events-per-day": read_events_per_day, "completion": read_completion,
    "watched-abandoned": read_watched_abandoned, "active-viewers": read_active_viewers,
    "recommendation-ctr": read_recommendation_ctr, "model-metrics": read_model_metrics,
}
