"""Catalog KPIs against numbers computed by hand on the conftest catalog."""
import pytest

from analytics.filters import CatalogFilters
from analytics.selectors.catalog import kpi_budget_revenue, kpi_catalog_size, kpi_runtime_by_year, kpi_top_rated
from analytics.selectors.people import kpi_actor_age, kpi_actors_films_series, kpi_actors_top

ALL = CatalogFilters()


def test_most_present_actors_and_their_decades(catalog):
    d = kpi_actors_top(filters=ALL, top=3)
    assert [(a["name"], a["titles"]) for a in d["actors"]] == [("Alice", 4), ("Bob", 3), ("Carl", 2)]
    alice, bob = d["actors"][0], d["actors"][1]
    assert (alice["first_year"], alice["last_year"]) == (1960, 2018)
    assert alice["by_decade"] == [{"decade": 1960, "titles": 2}, {"decade": 2010, "titles": 2}]
    assert bob["by_decade"] == [{"decade": 1960, "titles": 1}, {"decade": 1990, "titles": 1},
                                {"decade": 2010, "titles": 1}]
    assert d["decades"] == [1960, 1990, 2010]


def test_most_present_actors_follow_genre_and_type_filters(catalog):
    d = kpi_actors_top(filters=CatalogFilters(genre="drama", title_type="movie"))
    # Drama movies: T1 (Alice, Bob, Dora) and T2 (Alice).
    assert [(a["name"], a["titles"]) for a in d["actors"]] == [("Alice", 2), ("Bob", 1), ("Dora", 1)]
    assert kpi_actors_top(filters=CatalogFilters(genre="no-such-genre"))["actors"] == []


def test_runtime_by_year_uses_movies_and_skips_missing_or_absurd_runtimes(catalog):
    d = kpi_runtime_by_year(filters=ALL)
    assert d["scope_types"] == ["movie"]
    assert d["years"] == [{"year": 1960, "avg_runtime": 90.0, "titles": 1},
                          {"year": 1965, "avg_runtime": 100.0, "titles": 1},
                          {"year": 2010, "avg_runtime": 120.0, "titles": 1}]
    assert d["decades"] == [{"decade": 1960, "avg_runtime": 95.0, "titles": 2},
                            {"decade": 2010, "avg_runtime": 120.0, "titles": 1}]
    assert d["overall_avg"] == pytest.approx(310 / 3)
    # 6 movies: T4 has no runtime; T7 (5,000 min) and T9 (no year) are excluded.
    assert (d["titles_in_scope"], d["titles_used"], d["titles_without_runtime"], d["titles_excluded_other"]) == (6, 3, 1, 2)


def test_runtime_by_year_with_an_explicit_type_and_year_range(catalog):
    d = kpi_runtime_by_year(filters=CatalogFilters(title_type="tvSeries"))
    assert d["years"] == [{"year": 2012, "avg_runtime": 45.0, "titles": 1}]
    d = kpi_runtime_by_year(filters=CatalogFilters(year_min=1961, year_max=2010))
    assert [y["year"] for y in d["years"]] == [1965, 2010]


def test_actors_in_films_vs_series(catalog):
    d = kpi_actors_films_series(filters=ALL)
    # Alice 2 films/2 series, Bob 2/0 (his short does not count), Carl 1/1, Dora 1/1, Fay 0/1.
    assert (d["actors"], d["films_only"], d["series_only"], d["both"]) == (5, 1, 1, 3)
    assert d["share_both"] == pytest.approx(0.6)
    assert [(r["name"], r["films"]) for r in d["top_films"]] == [("Alice", 2), ("Bob", 2), ("Carl", 1), ("Dora", 1)]
    assert [(r["name"], r["series"]) for r in d["top_series"]] == [("Alice", 2), ("Carl", 1), ("Dora", 1), ("Fay", 1)]
    assert [r["name"] for r in d["top_both"]] == ["Alice", "Carl", "Dora"]


def test_actors_in_films_vs_series_ignores_the_type_filter_but_not_years(catalog):
    assert kpi_actors_films_series(filters=CatalogFilters(title_type="movie"))["both"] == 3
    d = kpi_actors_films_series(filters=CatalogFilters(year_min=2000))
    # From 2000: T3 (Bob, Carl), T5 (Alice, Carl, Fay), T6 (Alice, Dora).
    assert (d["films_only"], d["series_only"], d["both"]) == (1, 3, 1)


def test_average_age_at_release_ignores_missing_birth_years_and_absurd_ages(catalog):
    d = kpi_actor_age(filters=ALL)
    # Valid ages: Alice 10, 15, 62, 68; Bob 20, 70, 50; Dora 28; Fay 12. Carl has no birth year,
    # Dora in 1960 would be −30.
    assert d["credits_used"] == 9
    assert d["overall_avg"] == pytest.approx(335 / 9)
    assert d["actress_avg"] == pytest.approx(195 / 6)
    assert d["actor_avg"] == pytest.approx(140 / 3)
    assert (d["excluded_missing_year"], d["excluded_absurd_age"]) == (2, 1)
    y1960 = d["years"][0]
    assert y1960 == {"year": 1960, "avg_age": 15.0, "credits": 2, "actor_avg": 20.0, "actress_avg": 10.0}


def test_weighted_rating_with_default_m_is_the_90th_percentile_of_votes(catalog):
    d = kpi_top_rated(filters=ALL)
    # Rated movies: T1 (8.0, 1000 votes), T2 (6.0, 100), T3 (7.0, 500): C = 7.0, m = 1000.
    assert (d["C"], d["m"], d["m_source"], d["rated_titles"], d["eligible"]) == (7.0, 1000, "p90", 3, 1)
    assert [(t["title"], t["weighted_rating"]) for t in d["titles"]] == [("One", pytest.approx(7.5))]


def test_weighted_rating_ranking_and_shared_traits_with_explicit_min_votes(catalog):
    d = kpi_top_rated(filters=ALL, min_votes=100)
    assert [t["title"] for t in d["titles"]] == ["One", "Three", "Two"]
    assert [t["weighted_rating"] for t in d["titles"]] == [pytest.approx(8700 / 1100), pytest.approx(7.0),
                                                            pytest.approx(6.5)]
    assert d["catalog_titles"] == 6  # every movie in scope, rated or not
    genres = {g["key"]: g for g in d["genres"]}
    assert genres["Drama"]["top_share"] == pytest.approx(2 / 3)
    assert genres["Drama"]["catalog_share"] == pytest.approx(2 / 6)
    assert genres["Drama"]["lift"] == pytest.approx(2.0)
    assert genres["Comedy"]["catalog_count"] == 2
    assert [(x["key"], x["top_count"]) for x in d["decades"]] == [("1960", 2), ("2010", 1)]
    assert {x["key"]: x["top_count"] for x in d["runtimes"]}["90–119 min"] == 2
    assert d["directors"][0]["key"] == "Eve" and d["directors"][0]["top_count"] == 2
    assert {c["key"]: c["top_count"] for c in d["countries"]} == {"United States": 2, "France": 1}


def test_weighted_rating_ignores_titles_without_votes(catalog):
    d = kpi_top_rated(filters=CatalogFilters(genre="comedy"), min_votes=0)
    # Comedy movies: T2 (rated) and T4 (no rating, no votes).
    assert [t["title"] for t in d["titles"]] == ["Two"]
    assert d["catalog_titles"] == 2


def test_catalog_size_by_type_genre_decade_country(catalog):
    d = kpi_catalog_size(filters=ALL)
    assert d["total"] == 9
    assert [(r["key"], r["titles"]) for r in d["by_type"]] == [("movie", 6), ("short", 1), ("tvMiniSeries", 1),
                                                               ("tvSeries", 1)]
    assert [(r["label"], r["titles"]) for r in d["by_genre"]] == [("Drama", 4), ("Comedy", 2), ("Action", 1)]
    assert [(r["key"], r["titles"]) for r in d["by_decade"]] == [("1960", 2), ("1990", 1), ("2010", 5)]
    assert d["without_year"] == 1
    assert [(r["label"], r["titles"]) for r in d["by_country"]] == [("United States", 2), ("France", 1)]


def test_catalog_size_by_genre_keeps_co_genres_under_a_genre_filter(catalog):
    d = kpi_catalog_size(filters=CatalogFilters(genre="comedy"))
    assert d["total"] == 2
    assert {r["label"]: r["titles"] for r in d["by_genre"]} == {"Comedy": 2, "Drama": 1}


def test_budget_vs_revenue_uses_only_known_budgets(catalog):
    d = kpi_budget_revenue(filters=ALL)
    assert d["titles"] == 2  # T3 has budget 0 = unknown
    assert d["share_profitable"] == pytest.approx(0.5)
    assert d["revenue_to_budget"] == pytest.approx(40 / 30)
    assert d["revenue_to_budget_rated_7_plus"] == pytest.approx(3.0)
    assert d["revenue_to_budget_others"] == pytest.approx(0.5)
    assert {p["title"]: (p["budget"], p["revenue"], p["rating"]) for p in d["points"]} == {
        "One": (10_000_000, 30_000_000, 8.0), "Two": (20_000_000, 10_000_000, 6.0)}
