"""Service tokens: API users allowed to post events for any viewer (integrations, the stream)."""
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from rest_framework.authtoken.models import Token

from core.errors import ValidationFailed

User = get_user_model()
PERMISSION = "accounts.post_events_for_any_user"


def can_post_for_any_user(user) -> bool:
    """Staff, or a holder of `accounts.post_events_for_any_user` (a service token)."""
    return bool(user and user.is_authenticated and (user.is_staff or user.has_perm(PERMISSION)))


@transaction.atomic
def service_token_create(*, name: str) -> str:
    """Create (or reuse) the service account `name` with the permission; return its API token.

    The account has no usable password: it authenticates only with the token.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("Invalid service account name.", errors={"name": ["This field is required."]})
    try:
        User.username_validator(name)
    except DjangoValidationError as exc:
        raise ValidationFailed("Invalid service account name.", errors={"name": list(exc.messages)})
    user, created = User.objects.get_or_create(username=name)
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    app_label, codename = PERMISSION.split(".")
    user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    token, _ = Token.objects.get_or_create(user=user)
    return token.key
