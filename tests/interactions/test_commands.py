"""create_service_token (a token that may post events for any viewer, nothing more) and the read-only admin."""
import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from interactions.models import Event
from tests.interactions.conftest import ev

pytestmark = pytest.mark.django_db


def test_create_service_token_prints_a_working_token(capsys, viewer, titles):
    call_command("create_service_token", "partner-feed")
    token = capsys.readouterr().out.strip()
    call_command("create_service_token", "partner-feed")  # idempotent: same account, same token
    assert capsys.readouterr().out.strip() == token
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    r = client.post("/api/events/", ev(titles[0], "full_watch", user_id=viewer.id), format="json")
    assert r.status_code == 201
    assert Event.objects.get().user == viewer
    from django.contrib.auth import get_user_model

    account = get_user_model().objects.get(username="partner-feed")
    assert not account.has_usable_password() and not account.is_staff


def test_create_service_token_refuses_a_bad_name(db):
    with pytest.raises(CommandError, match="name"):
        call_command("create_service_token", "no spaces allowed")


def test_the_admin_browses_the_log_read_only(client, django_user_model, viewer, titles):
    from interactions.services.events import events_record

    events_record(events=[ev(titles[0], "full_watch")], actor=viewer, source="web")
    admin = django_user_model.objects.create_superuser("boss", "boss@example.com", "b0ss-Passw0rd!")
    client.force_login(admin)
    r = client.get("/admin/interactions/event/")
    assert r.status_code == 200 and "full_watch" in r.content.decode()
    assert client.get("/admin/interactions/event/add/").status_code == 403  # append-only
    r = client.get("/admin/interactions/interaction/?hidden__exact=0")
    assert r.status_code == 200 and "Film 0" in r.content.decode()
