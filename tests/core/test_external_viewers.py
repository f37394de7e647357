"""Viewers known only by a dataset's id (Netflix Prize customers, MovieLens users): created once,
in bulk, on every database (the PostgreSQL path is set-based SQL; both must agree)."""
import pytest
from django.contrib.auth import get_user_model

from accounts.models import Profile
from accounts.services import external_viewers_ensure


@pytest.mark.django_db
def test_missing_viewers_are_created_once_and_existing_ones_kept():
    User = get_user_model()
    keep = User.objects.create_user(username="netflix-7", password="x" * 12)  # a user without a profile yet
    other = User.objects.create_user(username="someone", password="x" * 12)
    Profile.objects.create(user=other, netflix_customer_id=5, language="fr")
    first = external_viewers_ensure(source="netflix", external_ids=[5, 7, 9, 9, "11"])
    assert set(first) == {5, 7, 9, 11}
    assert first[5] == other.id and first[7] == keep.id  # existing accounts are reused, never duplicated
    new = User.objects.get(username="netflix-9")
    assert not new.has_usable_password() and new.is_active and not new.is_staff
    assert first[9] == new.id and new.profile.netflix_customer_id == 9 and new.profile.language == "en"
    assert Profile.objects.get(user=other).language == "fr"
    again = external_viewers_ensure(source="netflix", external_ids=[11, 9, 12])
    assert again[9] == first[9] and again[11] == first[11] and set(again) == {9, 11, 12}
    assert User.objects.filter(username__startswith="netflix-").count() == 4
    ml = external_viewers_ensure(source="movielens", external_ids=[9])
    assert ml[9] != first[9] and User.objects.get(pk=ml[9]).profile.movielens_user_id == 9
    assert external_viewers_ensure(source="netflix", external_ids=[]) == {}
