"""Every write on viewers goes through here."""
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from rest_framework.authtoken.models import Token

from accounts.models import Profile
from core.errors import ValidationFailed

User = get_user_model()


@transaction.atomic
def viewer_create(*, username: str, password: str, email: str = "", language: str = "en") -> User:
    """Create a viewer account with its profile. Raises ValidationFailed naming the field."""
    username = (username or "").strip()
    errors = {}
    if not username:
        errors["username"] = ["This field is required."]
    else:
        try:
            User.username_validator(username)
        except DjangoValidationError as exc:
            errors["username"] = list(exc.messages)
    if "username" in errors:
        pass
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = ["A user with that username already exists."]
    if email and User.objects.filter(email__iexact=email).exists():
        errors["email"] = ["A user with that e-mail already exists."]
    candidate = User(username=username, email=email)
    try:
        validate_password(password or "", user=candidate)
    except DjangoValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationFailed("Invalid sign-up.", errors=errors)
    user = User.objects.create_user(username=username, email=email, password=password)
    Profile.objects.create(user=user, language=language)
    return user


def profile_get_or_create(*, user) -> Profile:
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


@transaction.atomic
def profile_update(*, user, language=None, country=None, genre_ids=None, title_ids=None,
                   onboarded=None) -> Profile:
    profile = profile_get_or_create(user=user)
    if language is not None:
        profile.language = language
    if country is not None:
        profile.country = country
    if onboarded is not None:
        profile.onboarded = onboarded
    profile.save()
    if genre_ids is not None:
        profile.favourite_genres.set(genre_ids)
    if title_ids is not None:
        profile.liked_titles.set(title_ids)
    return profile


def token_get_or_create(*, user) -> str:
    token, _ = Token.objects.get_or_create(user=user)
    return token.key


def external_viewers_ensure(*, source: str, external_ids) -> dict:
    """Map external viewer ids (Netflix Prize customer ids, MovieLens user ids) to user ids.

    Creates the missing viewers in bulk (unusable password: they cannot log in until an
    operator gives them one). Returns {external_id: user_id}.
    """
    field = {"netflix": "netflix_customer_id", "movielens": "movielens_user_id"}[source]
    wanted = {int(x) for x in external_ids}
    found = dict(Profile.objects.filter(**{f"{field}__in": wanted}).values_list(field, "user_id"))
    missing = sorted(wanted - set(found))
    if missing:
        with transaction.atomic():
            users = [User(username=f"{source}-{x}", password="!") for x in missing]
            User.objects.bulk_create(users, batch_size=2000, ignore_conflicts=True)
            created = dict(
                User.objects.filter(username__in=[u.username for u in users]).values_list("username", "id")
            )
            Profile.objects.bulk_create(
                [Profile(user_id=created[f"{source}-{x}"], **{field: x}) for x in missing],
                batch_size=2000, ignore_conflicts=True,
            )
        found.update(Profile.objects.filter(**{f"{field}__in": missing}).values_list(field, "user_id"))
    return found
