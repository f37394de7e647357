"""Placeholder until the recommender serving lands: records that a refresh happened."""


def snapshot_compute(*, user_id: int, source_title_id: int | None) -> dict:
    return {"user_id": user_id, "source_title_id": source_title_id, "items": []}
