"""Template helpers of the web UI: poster URLs, title cards, runtimes, ratings."""
from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

register = template.Library()

TMDB_POSTER_BASE = "https://image.tmdb.org/t/p/w342"


def remote_posters_enabled() -> bool:
    return bool(getattr(settings, "NETFLOOX_REMOTE_POSTERS", False))


@register.simple_tag
def poster_url(title) -> str:
    """TMDB's poster only when remote posters are enabled and known; else the generated SVG."""
    path = getattr(title, "poster_path", "") or ""
    if path and remote_posters_enabled() and path.startswith("/"):
        return f"{TMDB_POSTER_BASE}{path}"
    return reverse("catalog:poster", args=[title.pk])


@register.simple_tag
def backdrop_url(title) -> str:
    return reverse("catalog:backdrop", args=[title.pk])


@register.inclusion_tag("catalog/_card.html", takes_context=True)
def title_card(context, title, variant=""):
    return {"title": title, "variant": variant, "request": context.get("request")}


@register.inclusion_tag("catalog/_row.html", takes_context=True)
def title_row(context, row, heading_level=2):
    return {"row": row, "heading_level": heading_level, "request": context.get("request"),
            "user": context.get("user")}


@register.filter
def runtime(minutes) -> str:
    """125 → "2h 5min"; 45 → "45min"; None → ""."""
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        return ""
    if minutes <= 0:
        return ""
    h, m = divmod(minutes, 60)
    if not h:
        return _("%(m)dmin") % {"m": m}
    if not m:
        return _("%(h)dh") % {"h": h}
    return _("%(h)dh %(m)dmin") % {"h": h, "m": m}


@register.filter
def votes(n) -> str:
    """1234567 → "1.2M votes"."""
    try:
        n = int(n)
    except (TypeError, ValueError):
        return ""
    if n >= 1_000_000:
        short = f"{n / 1_000_000:.1f}M"
    elif n >= 1_000:
        short = f"{n / 1_000:.0f}k"
    else:
        short = str(n)
    return ngettext("%(n)s vote", "%(n)s votes", n) % {"n": short}


@register.filter
def stars_label(value) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return ""
    shown = int(v) if v == int(v) else v
    return ngettext("%(n)s star", "%(n)s stars", int(v) if v == int(v) else 2) % {"n": shown}


@register.filter
def initials(name) -> str:
    parts = [p for p in str(name or "").split() if p]
    return ("".join(p[0] for p in parts[:2]) or "?").upper()


@register.simple_tag(takes_context=True)
def active(context, *url_names) -> str:
    """'aria-current="page"' when the current view is one of the given names."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match and match.view_name in url_names:
        return 'aria-current=page'
    return ""


TITLE_TYPE_LABELS = {
    "movie": gettext_lazy("Film"), "short": gettext_lazy("Short film"), "tvMovie": gettext_lazy("TV film"),
    "tvSeries": gettext_lazy("TV series"), "tvMiniSeries": gettext_lazy("TV mini-series"),
    "tvEpisode": gettext_lazy("TV episode"), "tvSpecial": gettext_lazy("TV special"),
    "tvShort": gettext_lazy("TV short"), "video": gettext_lazy("Video"), "videoGame": gettext_lazy("Video game"),
    "tvPilot": gettext_lazy("TV pilot"),
}


@register.filter
def title_type_label(code) -> str:
    return str(TITLE_TYPE_LABELS.get(code, code or ""))


@register.filter
def language_name(code) -> str:
    """'fr' → 'French' (or 'français' when the page is in French); unknown codes unchanged."""
    from django.utils.translation import get_language_info

    try:
        return get_language_info(str(code).lower())["name_translated"]
    except (KeyError, AttributeError):
        return str(code or "")
