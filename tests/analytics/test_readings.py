"""The one-line readings under each chart, computed from the numbers (hand-checked on the conftest catalog)."""
from analytics import kpis
from analytics.filters import CatalogFilters, ViewingFilters

ALL = CatalogFilters()


def reading(chart, filters=ALL, options=None):
    kpi = kpis.KPIS[kpis.CHART_TO_KPI[chart]]
    return kpis.chart_reading(chart, filters, kpis.kpi_data(kpi.slug, filters, options or {}))


def test_catalog_readings(catalog):
    assert reading("runtime-by-year") == ("Average runtime is 103 min (3 titles); 1 title without a runtime is "
                                          "left out.")
    assert reading("actor-age") == ("Actors were on average 37.2 years old at release (actresses 32.5, actors 46.7, "
                                    "9 credits); 2 credits without a birth or release year left out.")
    assert reading("actors-films-series") == ("Of 5 actors, 20% appear only in films, 20% only in series and 60% in "
                                              "both; Alice leads those in both (2 films, 2 series).")
    assert reading("top-rated", options={"min_votes": 100}) == (
        "“One” leads with a weighted rating of 7.91 (IMDb 8.0, 1,000 votes; m = 100, C = 7.00); Drama is 2.0× "
        "over-represented (67% of the top vs 33% of the catalog).")
    assert reading("size") == ("9 titles, mostly movies (67%); the largest genre is Drama (44%), the biggest decade "
                               "the 2010s (5), the first country United States (2).")
    assert reading("budget-revenue") == ("2 titles with known budget and revenue: 50% earned more than their budget, "
                                         "1.3× overall; those rated ≥ 7 returned 3.0× their budget vs 0.5× for the "
                                         "others.")


def test_runtime_reading_names_the_trend_between_well_filled_decades(db):
    from tests.analytics.conftest import make_title

    for i in range(5):
        make_title(primary_title=f"Old {i}", title_type="movie", start_year=1961 + i, runtime_minutes=90)
        make_title(primary_title=f"New {i}", title_type="movie", start_year=2011 + i, runtime_minutes=110)
    assert reading("runtime-by-year").startswith("Average runtime rose from 90 min in the 1960s to 110 min in the "
                                                 "2010s (10 titles)")


def test_viewing_readings(viewing):
    w = ViewingFilters(days=30)
    assert reading("completion", w) == "67% of started (viewer, title) pairs ended in a full watch (2 of 3)."
    assert reading("recommendation-ctr", w) == (
        "60.0% of recommended (viewer, title) pairs were played afterwards (3 of 5, top 10 of 3 snapshots); best "
        "list: Popular (no model yet) (100.0%).")
    assert reading("watched-abandoned", w) == ("Most watched: One (1 viewer finished it); most abandoned: One "
                                               "(1 viewer closed it without finishing).")
    assert reading("model-metrics", w) == "recommender: 2 versions, ndcg@10 went from 0.1 to 0.15; popularity: 1 version, r2 = 0.3."


def test_empty_readings_say_there_is_no_data(db):
    assert reading("actors-top") == "No actor credits match these filters."
    assert reading("size") == "The catalog is empty for these filters."
    assert reading("recommendation-ctr", ViewingFilters()) == (
        "No recommendation snapshots in the last 30 days: click-through cannot be measured yet.")
