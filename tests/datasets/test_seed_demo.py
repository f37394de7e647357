"""seed_demo: a deterministic demo catalog whose viewers follow planted tastes."""

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

from accounts.models import Profile
from catalog.models import Credit, Genre, Person, Title
from datasets.services.demo import CLUSTER_GENRES, DEMO_PASSWORD, demo_catalog, demo_seed, planted_tastes
from interactions.models import Event, Interaction

pytestmark = pytest.mark.django_db
User = get_user_model()


def snapshot():
    return [(t.netflix_id, t.primary_title, t.start_year, t.title_type, str(t.imdb_rating),
             tuple(sorted(g.name for g in t.genres.all())))
            for t in Title.objects.prefetch_related("genres").order_by("netflix_id")]


def test_the_generator_is_a_pure_function_of_the_seed():
    a, b, c = demo_catalog(seed=1, titles=200), demo_catalog(seed=1, titles=200), demo_catalog(seed=2, titles=200)
    assert a == b
    assert [t["primary_title"] for t in a.titles] != [t["primary_title"] for t in c.titles]
    assert len({t["primary_title"] for t in a.titles}) == 200  # names are unique
    assert len({p["name"] for p in a.people}) == len(a.people)


def test_same_seed_same_catalog_and_a_rerun_adds_nothing():
    call_command("seed_demo", "--titles", "120", "--viewers", "15", "--seed", "3", verbosity=0)
    first = snapshot()
    counts = (Title.objects.count(), Person.objects.count(), Credit.objects.count(), Event.objects.count(),
              Interaction.objects.count(), User.objects.count())
    run = demo_seed(seed=3, titles=120, viewers=15)
    assert (run.rows_inserted, run.rows_updated) == (0, 0)
    assert (Title.objects.count(), Person.objects.count(), Credit.objects.count(), Event.objects.count(),
            Interaction.objects.count(), User.objects.count()) == counts
    Event.objects.all().delete()
    Interaction.objects.all().delete()
    Title.objects.all().delete()
    call_command("seed_demo", "--titles", "120", "--viewers", "15", "--seed", "3", verbosity=0)
    assert snapshot() == first
    assert Event.objects.count() == counts[3]


def test_if_empty_leaves_an_existing_catalog_alone(capsys):
    Title.objects.create(primary_title="Already here")
    call_command("seed_demo", "--if-empty", "--titles", "50", "--viewers", "5")
    assert Title.objects.count() == 1 and not User.objects.filter(username__startswith="demo").exists()
    assert "already has titles" in capsys.readouterr().out


def test_viewers_the_demo_login_and_the_stream_mapping(rf):
    demo_seed(seed=0, titles=60, viewers=10)
    assert User.objects.filter(username__startswith="demo-viewer-").count() == 10
    assert not User.objects.get(username="demo-viewer-1").has_usable_password()
    assert authenticate(rf.post("/accounts/login/"), username="demo", password=DEMO_PASSWORD) is not None
    # demo ids sit outside the Netflix Prize ranges, so the stream simulator maps them and real imports never clash
    assert Title.objects.filter(netflix_id__lte=17770).count() == 0
    assert Profile.objects.filter(user__username="demo-viewer-3").get().netflix_customer_id == 9_000_003
    assert Event.objects.filter(source="import").exists()
    assert set(Event.objects.values_list("kind", flat=True)) >= {"thumbnail_click", "play", "full_watch", "rating"}
    assert Title.objects.filter(title_type__in=["tvSeries", "tvMiniSeries"]).exists()
    assert Person.objects.filter(birth_year__isnull=False).count() == Person.objects.count()


def test_each_viewer_mostly_rates_and_watches_their_planted_clusters():
    viewers = 40
    demo_seed(seed=5, titles=400, viewers=viewers)
    tastes = planted_tastes(seed=5, viewers=viewers)
    genre_of = {g: Genre.objects.get(name=g).id for g in CLUSTER_GENRES}
    title_genres = {}
    for tid, gid in Title.genres.through.objects.values_list("title_id", "genre_id"):
        title_genres.setdefault(tid, set()).add(gid)
    hits = total = base = 0
    for username, clusters in tastes.items():
        wanted = {genre_of[CLUSTER_GENRES[c]] for c in clusters}
        top = list(Interaction.objects.filter(user__username=username).order_by("-weight", "title_id")
                   .values_list("title_id", flat=True)[:10])
        assert len(top) == 10
        hits += sum(1 for t in top if title_genres.get(t, set()) & wanted)
        total += len(top)
        base += sum(1 for g in title_genres.values() if g & wanted) / len(title_genres)
    share, base_rate = hits / total, base / len(tastes)
    assert share >= 0.85, share
    assert base_rate < 0.45, base_rate  # the planted signal is far above chance


@pytest.mark.slow
def test_the_default_demo_is_big_enough():
    run = demo_seed()  # its duration is measured by benchmarks, not asserted here
    assert Title.objects.count() == 1200
    assert 250 <= Person.objects.count() <= 350
    assert User.objects.count() == 201
    assert Event.objects.count() >= 20_000 and Interaction.objects.count() >= 5_000
    assert run.status == "succeeded"
