"""Account pages: sign up + onboarding (cold start), sign in/out, profile and language,
password change/reset, history and ratings. Writes go through accounts/interactions services."""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from accounts import services
from accounts.forms import OnboardingForm, ProfileForm, SignupForm
from catalog import selectors as catalog_selectors
from core.errors import ApplicationError, NotFound, ValidationFailed
from interactions import selectors as interaction_selectors
from interactions.services.events import interaction_hide, rating_set
from recommendations import selectors as rec_selectors

ONBOARDING_TITLES = 18
HISTORY_PAGE_SIZE = 24


def language_cookie_set(response, language):
    """Remember the viewer's language the way Django's set_language view does."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language,
        max_age=settings.LANGUAGE_COOKIE_AGE, path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN, secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY, samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def _safe_next(request, default):
    nxt = request.POST.get("next") or request.GET.get("next")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return nxt
    return default


# --- sign up, sign in, sign out ---------------------------------------------------------------
def signup(request):
    if request.user.is_authenticated:
        return redirect("catalog:home")
    if request.method == "POST":
        form = SignupForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                user = services.viewer_create(username=d["username"], password=d["password1"],
                                              email=d["email"] or "", language=d["language"])
            except ValidationFailed as exc:
                form.add_service_errors(exc.errors)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                translation.activate(d["language"])
                messages.success(request, _("Welcome to Netfloox, %(name)s!") % {"name": user.username})
                return language_cookie_set(redirect("accounts:onboarding"), d["language"])
    else:
        form = SignupForm(initial={"language": translation.get_language() or settings.LANGUAGE_CODE})
    return render(request, "accounts/signup.html", {"form": form})


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        language = services.profile_get_or_create(user=form.get_user()).language
        if language:
            translation.activate(language)
            language_cookie_set(response, language)
        return response


class SignOutView(auth_views.LogoutView):
    next_page = reverse_lazy("catalog:home")


# --- onboarding and profile -------------------------------------------------------------------
@login_required
def onboarding(request):
    profile = services.profile_get_or_create(user=request.user)
    liked = list(profile.liked_titles.all())
    offered = rec_selectors.popular_titles(k=ONBOARDING_TITLES, exclude=[t.pk for t in liked])
    titles = liked + list(offered)
    genres = list(catalog_selectors.genre_list())
    if request.method == "POST":
        if "skip" in request.POST:
            services.profile_update(user=request.user, onboarded=True)
            return redirect("catalog:home")
        form = OnboardingForm(request.POST, genres=genres, titles=titles)
        if form.is_valid():
            d = form.cleaned_data
            title_ids = list(d["titles"])
            unmatched = []
            for name in d["names"]:
                found = catalog_selectors.titles_match_names(names=[name])
                if found:
                    title_ids.extend(t.pk for t in found if t.pk not in title_ids)
                else:
                    unmatched.append(name)
            if unmatched:
                form.add_error("names", _("No title found for: %(names)s.") % {"names": ", ".join(unmatched)})
            else:
                services.profile_update(user=request.user, genre_ids=d["genres"], title_ids=title_ids,
                                        onboarded=True)
                messages.success(request, _("Thanks! Your home page now starts from your tastes."))
                return redirect("catalog:home")
    else:
        form = OnboardingForm(genres=genres, titles=titles, initial={
            "genres": [g.pk for g in profile.favourite_genres.all()], "titles": [t.pk for t in liked]})
    return render(request, "accounts/onboarding.html", {
        "form": form, "genres": genres, "titles": titles,
        "selected_genres": {int(x) for x in (form["genres"].value() or [])},
        "selected_titles": {int(x) for x in (form["titles"].value() or [])},
        "names": [n for n in (form["names"].value() or []) if n and n.strip()],
    })


@login_required
def profile(request):
    prof = services.profile_get_or_create(user=request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            language = form.cleaned_data["language"]
            services.profile_update(user=request.user, language=language)
            translation.activate(language)
            messages.success(request, _("Your profile is saved."))
            return language_cookie_set(redirect("accounts:profile"), language)
    else:
        form = ProfileForm(initial={"language": prof.language})
    return render(request, "accounts/profile.html", {
        "form": form, "profile": prof,
        "favourite_genres": list(prof.favourite_genres.all()),
        "liked_titles": list(prof.liked_titles.all()),
    })


@require_POST
def language(request):
    """The footer's language switch for signed-in viewers: saves the profile, then hands over to
    Django's own set_language view (which sets the cookie and redirects to `next`)."""
    code = request.POST.get("language")
    if request.user.is_authenticated and code in dict(settings.LANGUAGES):
        services.profile_update(user=request.user, language=code)
    return set_language(request)


# --- password change and reset (Django's views, our templates) ---------------------------------
class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# --- history and ratings ----------------------------------------------------------------------
@login_required
def history(request):
    page = Paginator(interaction_selectors.history_list(user=request.user), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "accounts/history.html", {"page": page})


@login_required
@require_POST
def history_remove(request, title_id):
    try:
        interaction_hide(user=request.user, title_id=title_id)
    except NotFound:
        messages.error(request, _("That title is not in your history."))
    else:
        messages.success(request, _("Removed from your history."))
    return HttpResponseRedirect(_safe_next(request, reverse("accounts:history")))


@login_required
def ratings(request):
    rated = interaction_selectors.history_list(user=request.user).filter(rating__isnull=False)
    page = Paginator(rated, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/ratings.html", {"page": page, "star_choices": [1, 2, 3, 4, 5]})


@login_required
@require_POST
def rate(request, title_id):
    """No-JavaScript fallback of the star widget (the widget itself calls PUT /api/me/ratings/)."""
    default = reverse("catalog:title", args=[title_id])
    try:
        stars = float(request.POST.get("stars", ""))
        rating_set(user=request.user, title_id=title_id, stars=stars)
    except ValueError:
        messages.error(request, _("Pick a number of stars first."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thanks, your rating is saved."))
    return HttpResponseRedirect(_safe_next(request, default))
