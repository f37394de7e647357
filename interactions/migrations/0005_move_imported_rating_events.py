"""Move imported ratings out of the event log into `ImportedRating` (docs/data-model.md).

Forward, in chunks (constant memory):
1. every `Event(kind="rating", source="import")` becomes one `ImportedRating` per (viewer, title):
   the latest by its date (`client_ts`, where the importer kept the dataset's date), in half stars;
   the source is the viewer's external identity (Netflix customer id, else MovieLens user id);
2. the `Interaction` aggregates those events made alone are deleted; aggregates that also have
   live events are recomputed from the live events that remain (`interactions.scoring`), so the
   readers that combine both (training, serving) count each signal once;
3. the imported events are deleted.
Backward recreates the events (the same deterministic ids the importer gave them) and their
aggregates, then empties the table.
"""
import uuid

from django.db import migrations

CHUNK = 20_000
IMPORT_NAMESPACE = uuid.UUID("7f3c2a4e-5b1d-4c8e-9a6f-0d2b7e1c9a55")
SCORES = {"thumbnail_click": 1.0, "play": 2.0, "close": 2.0, "skip": 3.0, "full_watch": 4.0}


def _weight(implicit, full, rating):
    if rating is not None:
        return float(rating)
    return implicit + (min(max(full - 1, 0) * 1.0, 2.0) if implicit > 0 else 0.0)


def _sources(apps, user_ids):
    Profile = apps.get_model("accounts", "Profile")
    out = {}
    for uid, nf in Profile.objects.filter(user_id__in=user_ids).values_list("user_id", "netflix_customer_id"):
        out[uid] = 1 if nf is not None else 2
    return out


def forward(apps, schema_editor):
    Event = apps.get_model("interactions", "Event")
    Interaction = apps.get_model("interactions", "Interaction")
    ImportedRating = apps.get_model("interactions", "ImportedRating")
    imported = Event.objects.filter(kind="rating", source="import")
    if not imported.exists():
        return
    pairs = set()
    latest = {}

    def flush():
        if not latest:
            return
        sources = _sources(apps, {u for u, _ in latest})
        ImportedRating.objects.bulk_create(
            [ImportedRating(user_id=u, title_id=t, rated_at=ts, rating_halves=max(1, min(10, round(v * 2))),
                            source=sources.get(u, 1)) for (u, t), (ts, v) in latest.items()],
            batch_size=5000, ignore_conflicts=True)
        latest.clear()

    rows = imported.order_by("user_id", "title_id", "client_ts").values_list("user_id", "title_id", "client_ts",
                                                                             "server_ts", "value")
    last_user = None
    for u, t, cts, sts, v in rows.iterator(chunk_size=CHUNK):
        if last_user is not None and u != last_user and len(latest) >= CHUNK:
            flush()
        last_user = u
        latest[(u, t)] = (cts or sts, v)  # ordered by date: the last one read is the latest
        pairs.add((u, t))
    flush()

    # Aggregates: gone where only imports made them, recomputed from the live events elsewhere.
    live = Event.objects.exclude(source="import")
    pair_list = sorted(pairs)
    for i in range(0, len(pair_list), 2000):
        part = pair_list[i:i + 2000]
        users = {u for u, _ in part}
        titles = {t for _, t in part}
        events = {}
        for u, t, kind, value, ts in (live.filter(user_id__in=users, title_id__in=titles)
                                      .order_by("server_ts").values_list("user_id", "title_id", "kind", "value",
                                                                         "server_ts")):
            if (u, t) in pairs:
                events.setdefault((u, t), []).append((kind, value, ts))
        ids = {(u, t): pk for pk, u, t in Interaction.objects.filter(user_id__in=users, title_id__in=titles)
               .values_list("id", "user_id", "title_id")}
        Interaction.objects.filter(id__in=[ids[p] for p in part if p in ids and p not in events]).delete()
        for (u, t) in part:
            evs = events.get((u, t))
            if not evs:
                continue
            implicit = max((SCORES.get(k, 0.0) for k, _, _ in evs), default=0.0)
            full = sum(1 for k, _, _ in evs if k == "full_watch")
            ratings = [v for k, v, _ in evs if k == "rating"]
            rating = ratings[-1] if ratings else None
            Interaction.objects.filter(user_id=u, title_id=t).update(
                implicit_score=implicit, full_watches=full, rating=rating, event_count=len(evs),
                first_at=evs[0][2], last_at=evs[-1][2], weight=_weight(implicit, full, rating))
    while True:
        ids = list(imported.order_by("id").values_list("id", flat=True)[:CHUNK])
        if not ids:
            break
        Event.objects.filter(id__in=ids).delete()


def backward(apps, schema_editor):
    Event = apps.get_model("interactions", "Event")
    Interaction = apps.get_model("interactions", "Interaction")
    ImportedRating = apps.get_model("interactions", "ImportedRating")
    Profile = apps.get_model("accounts", "Profile")
    ext = {}
    for uid, nf, ml in Profile.objects.values_list("user_id", "netflix_customer_id", "movielens_user_id"):
        ext[uid] = ("netflix", nf) if nf is not None else ("movielens", ml)
    batch = []
    for r in ImportedRating.objects.order_by("user_id", "title_id").iterator(chunk_size=CHUNK):
        source, external = ext.get(r.user_id, ("netflix", r.user_id))
        day = r.rated_at.strftime("%Y-%m-%d") if source == "netflix" else r.rated_at.strftime("%Y-%m-%dT%H:%M:%S")
        eid = uuid.uuid3(IMPORT_NAMESPACE, f"{source}:{external}:{r.title_id}:{day}")
        value = r.rating_halves / 2
        batch.append(Event(event_id=eid, user_id=r.user_id, title_id=r.title_id, kind="rating", value=value,
                           client_ts=r.rated_at, server_ts=r.rated_at, source="import"))
        inter, created = Interaction.objects.get_or_create(
            user_id=r.user_id, title_id=r.title_id,
            defaults={"weight": value, "rating": value, "event_count": 1, "first_at": r.rated_at,
                      "last_at": r.rated_at})
        if not created:
            Interaction.objects.filter(pk=inter.pk).update(
                rating=inter.rating if inter.rating is not None else value, event_count=inter.event_count + 1,
                weight=_weight(inter.implicit_score, inter.full_watches,
                               inter.rating if inter.rating is not None else value))
        if len(batch) >= 5000:
            Event.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    Event.objects.bulk_create(batch, ignore_conflicts=True)
    ImportedRating.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("interactions", "0004_imported_ratings_and_title_stats"),
    ]

    operations = [migrations.RunPython(forward, backward)]
