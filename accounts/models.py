from django.conf import settings
from django.db import models


class Profile(models.Model):
    """A viewer's profile: language, onboarding picks, external identities (imports)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    onboarded = models.BooleanField(default=False)
    favourite_genres = models.ManyToManyField("catalog.Genre", blank=True, related_name="+")
    liked_titles = models.ManyToManyField("catalog.Title", blank=True, related_name="+")
    netflix_customer_id = models.BigIntegerField(null=True, blank=True, unique=True)
    movielens_user_id = models.BigIntegerField(null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        permissions = [("post_events_for_any_user", "Can post interaction events for any viewer (service token)")]

    def __str__(self):
        return f"profile of {self.user_id}"
