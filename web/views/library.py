"""The viewer's own pages: onboarding (the cold start), history and ratings.

They compose accounts (the profile's tastes), the catalog, interactions (what the viewer did) and
the recommender (titles to offer). Writes go through `accounts.services` and
`interactions.services`."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import OnboardingForm
from catalog import selectors as catalog_selectors
from core.errors import ApplicationError, NotFound
from core.http import safe_next
from interactions import selectors as interaction_selectors
from interactions.services.history import interaction_hide
from interactions.services.ratings import rating_set
from recommendations import selectors as rec_selectors

ONBOARDING_TITLES = 18
HISTORY_PAGE_SIZE = 24


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
            return redirect("web:home")
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
                return redirect("web:home")
    else:
        form = OnboardingForm(genres=genres, titles=titles, initial={
            "genres": [g.pk for g in profile.favourite_genres.all()], "titles": [t.pk for t in liked]})
    return render(request, "web/onboarding.html", {
        "form": form, "genres": genres, "titles": titles,
        "selected_genres": {int(x) for x in (form["genres"].value() or [])},
        "selected_titles": {int(x) for x in (form["titles"].value() or [])},
        "names": [n for n in (form["names"].value() or []) if n and n.strip()],
    })


@login_required
def history(request):
    page = Paginator(interaction_selectors.history_list(user=request.user), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "web/history.html", {"page": page})


@login_required
@require_POST
def history_remove(request, title_id):
    try:
        interaction_hide(user=request.user, title_id=title_id)
    except NotFound:
        messages.error(request, _("That title is not in your history."))
    else:
        messages.success(request, _("Removed from your history."))
    return HttpResponseRedirect(safe_next(request, reverse("web:history")))


@login_required
def ratings(request):
    rated = interaction_selectors.history_list(user=request.user).filter(rating__isnull=False)
    page = Paginator(rated, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/ratings.html", {"page": page, "star_choices": [1, 2, 3, 4, 5]})


@login_required
@require_POST
def rate(request, title_id):
    """No-JavaScript fallback of the star widget (the widget itself calls PUT /api/me/ratings/)."""
    default = reverse("web:title", args=[title_id])
    try:
        stars = float(request.POST.get("stars", ""))
        rating_set(user=request.user, title_id=title_id, stars=stars)
    except ValueError:
        messages.error(request, _("Pick a number of stars first."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thanks, your rating is saved."))
    return HttpResponseRedirect(safe_next(request, default))
