"""Charts of the catalog KPIs: runtime by year, best rated and what they share, catalog size,
budget vs revenue.

Each `fig_*` builds the figure of one chart from its KPI's data (`analytics.selectors.catalog`), each
`read_*` its one-line reading; `FIGURES` and `READINGS` map the chart slugs to them. Pure: no database.
"""
from __future__ import annotations

from analytics.charts.common import (
    BLUE,
    GOLD,
    GREEN,
    GREY,
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
    count_axis_behind(fig, "Titles (count)", "Mean runtime (min)", max(y["titles"] for y in years))
    fig.update_layout(bargap=0.1)
    return fig


def read_runtime_by_year(d, ctx):
    if not d["years"]:
        return "No titles with a runtime match these filters."
    text = decade_trend(d["decades"], "avg_runtime", "titles", "min", "Average runtime") or (
        f"Average runtime is {d['overall_avg']:.0f} min")
    text += f" ({counted(d['titles_used'], 'title')})"
    if d["titles_without_runtime"]:
        text += (f"; {counted(d['titles_without_runtime'], 'title')} without a runtime "
                 f"{'is' if d['titles_without_runtime'] == 1 else 'are'} left out")
    return text + "."


def fig_top_rated(d, ctx):
    fig = make_subplots(rows=1, cols=2, column_widths=[0.5, 0.5], horizontal_spacing=0.2,
                        subplot_titles=(f"Top {len(d['titles'])} by weighted rating",
                                        "Genres: share of the top vs of the catalog"))
    C = d["C"]
    base_layout(fig, title="Best-rated titles (IMDb weighted rating)",
                subtitle=(f"WR = v/(v+m)·R + m/(v+m)·C, rating out of 10 · m = {fmt_int(d['m'])} votes, "
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
            f"(IMDb {t['rating']}, {fmt_int(t['votes'])} votes; m = {fmt_int(d['m'])}, C = {d['C']:.2f})")
    over = [g for g in d["genres"] if g["lift"] is not None and g["top_count"] >= 2]
    if over:
        g = max(over, key=lambda g: (g["lift"], g["top_count"]))
        text += (f"; {g['key']} is {g['lift']:.1f}× over-represented ({pct(g['top_share'])} of the top vs "
                 f"{pct(g['catalog_share'])} of the catalog)")
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
            bits.append(f"{name} ({pct(x['top_share'])} of the top vs {pct(x['catalog_share'])})")
    if d["directors"] and d["directors"][0]["top_count"] >= 2:
        x = d["directors"][0]
        bits.append(f"director {x['key']} ({x['top_count']} titles in the top)")
    if not bits:
        return f"The top {len(d['titles'])} looks like the catalog: no trait stands out with at least two titles."
    return "Over-represented in the top: " + "; ".join(bits) + "."


def fig_catalog_size(d, ctx):
    fig = make_subplots(rows=2, cols=2, vertical_spacing=0.2, horizontal_spacing=0.12,
                        subplot_titles=("By type", "By decade", "By genre (top 20)", "By country (top 20)"))
    base_layout(fig, title=f"Catalog size: {fmt_int(d['total'])} titles",
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
    text = counted(total, 'title')
    if d["by_type"]:
        t = d["by_type"][0]
        text += f", mostly {t['label'].lower()}s ({pct(t['titles'] / total)})"
    if d["by_genre"]:
        g = d["by_genre"][0]
        text += f"; the largest genre is {g['label']} ({pct(g['titles'] / total)})"
    if d["by_decade"]:
        dd = max(d["by_decade"], key=lambda x: x["titles"])
        text += f", the biggest decade the {dd['label']} ({fmt_int(dd['titles'])})"
    if d["by_country"]:
        c = d["by_country"][0]
        text += f", the first country {c['label']} ({fmt_int(c['titles'])})"
    return text + "."


def fig_budget_revenue(d, ctx):
    fig = go.Figure()
    base_layout(fig, title="Budget vs revenue vs rating",
                subtitle=(f"US dollars, log scales; colour = rating /10 (IMDb, else TMDB); dashed line = break-even "
                          f"· {fmt_int(d['points_shown'])} of {fmt_int(d['titles'])} titles shown · {ctx['filters']}"),
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
    text = (f"{counted(d['titles'], 'title')} with known budget and revenue: {pct(d['share_profitable'])} earned more "
            f"than their budget, {d['revenue_to_budget']:.1f}× overall")
    if d["revenue_to_budget_rated_7_plus"] is not None and d["revenue_to_budget_others"] is not None:
        text += (f"; those rated ≥ 7 returned {d['revenue_to_budget_rated_7_plus']:.1f}× their budget vs "
                 f"{d['revenue_to_budget_others']:.1f}× for the others")
    return text + "."


FIGURES = {
    "runtime-by-year": fig_runtime_by_year,
    "top-rated": fig_top_rated,
    "top-rated-traits": fig_top_rated_traits,
    "size": fig_catalog_size,
    "budget-revenue": fig_budget_revenue,
}
READINGS = {
    "runtime-by-year": read_runtime_by_year,
    "top-rated": read_top_rated,
    "top-rated-traits": read_top_rated_traits,
    "size": read_catalog_size,
    "budget-revenue": read_budget_revenue,
}
