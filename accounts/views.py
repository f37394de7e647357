"""Account pages: sign up, sign in/out, profile and language, password change/reset.

The viewer's onboarding, history and ratings compose other apps: they are the `web` app's pages.
Writes go through `accounts.services`."""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from accounts import services
from accounts.forms import ProfileForm, SignupForm
from core.errors import ValidationFailed


def language_cookie_set(response, language):
    """Remember the viewer's language the way Django's set_language view does."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language,
        max_age=settings.LANGUAGE_COOKIE_AGE, path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN, secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY, samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


# --- sign up, sign in, sign out ---------------------------------------------------------------
def signup(request):
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
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
                return language_cookie_set(redirect(settings.NETFLOOX_SIGNUP_REDIRECT_URL), d["language"])
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


def login_locked_out(request, original_response=None, credentials=None):
    """django-axes' answer once an account name or an address reached the failure limit
    (`AXES_LOCKOUT_CALLABLE`), for the site's and the admin's sign-in and the API's token.

    429, the same words whatever was typed: it names no account and does not say whether one
    exists (failures are counted for any name)."""
    minutes = max(1, round(float(settings.AXES_COOLOFF_TIME) * 60))
    message = _("Too many failed sign-in attempts. Sign-in is paused for %(minutes)d minutes; try again "
                "later, or reset your password.") % {"minutes": minutes}
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "code": "locked_out"}, status=429)
    return render(request, "accounts/locked_out.html", {"message": message}, status=429)


class SignOutView(auth_views.LogoutView):
    """Back to settings.LOGOUT_REDIRECT_URL (Django's default for next_page)."""


# --- profile -----------------------------------------------------------------------------
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
