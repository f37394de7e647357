"""The key under which the same work from two sources meets: `match_key(title)`.

"Toy Story" (Netflix Prize, 1995), "Toy Story (1995)" (MovieLens), "Toy Story" (IMDb, TMDB) and
"Story, The" forms all give `toy story`. The key is the title lower-cased and accent-free, with
"Title, The" turned round, a leading article dropped (English, French, Spanish, Italian, German),
"&" read as "and", punctuation as spaces, and Netflix's TV suffixes removed ("(Series)",
": Season 3", ": Series 5", ": The Complete Series"). Volume and part numbers are kept: "Kill
Bill: Vol. 1" and "Vol. 2" are two films. The year and the type are compared beside the key
(`catalog.services.resolution`), not folded into it.
"""
import re

from unidecode import unidecode

ARTICLES = ("the", "a", "an", "le", "la", "les", "l", "el", "los", "las", "il", "lo", "gli", "der", "die", "das",
            "ein", "eine", "un", "une")
_TRAILING_ARTICLE = re.compile(r"^(?P<body>.+?),\s*(?P<art>" + "|".join(ARTICLES) + r"|l')\s*(?P<rest>(?:[:(].*)?)$",
                               re.IGNORECASE)
_TV_SUFFIX = re.compile(r"(?:\s*[:,\-]\s*|\s+)(?:the\s+)?(?:complete\s+)?(?:(?:season|series)\s+\d+\b.*|"
                        r"(?:complete\s+)?series)$|\s*\((?:tv\s+)?(?:mini-?)?series\)$", re.IGNORECASE)
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_LEADING_ARTICLE = re.compile(r"^(?:" + "|".join(ARTICLES) + r")\s+")

FILM_TYPES = frozenset({"movie", "tvMovie", "video", "short", "tvShort", "tvSpecial"})
SERIES_TYPES = frozenset({"tvSeries", "tvMiniSeries"})


def match_key(title: str | None) -> str:
    text = unidecode(title or "").strip()
    m = _TRAILING_ARTICLE.match(text)
    if m:  # "Story, The" → "The Story"; "Amant, L'" → "L' Amant"
        text = f"{m.group('art')} {m.group('body')} {m.group('rest') or ''}".strip()
    for _ in range(2):  # "Show: Season 2 (Series)"
        text = _TV_SUFFIX.sub("", text).strip()
    text = text.lower().replace("&", " and ").replace("l'", "l ")
    text = _NON_ALNUM.sub(" ", text).strip()
    stripped = _LEADING_ARTICLE.sub("", text)
    return stripped or text


_SEASON = re.compile(r"(?:[:,\-]\s*|\s+)(?:season|series|volume)\s+\d+\b|\((?:tv\s+)?(?:mini-?)?series\)|miniseries",
                     re.IGNORECASE)


def is_season_entry(title: str | None) -> bool:
    """A Netflix-style entry for a part of a show ("Sex and the City: Season 4", "Emma
    (Miniseries)"): its match key is the show's, but it is not the show."""
    return bool(_SEASON.search(title or ""))


def type_family(title_type: str | None) -> str:
    """'film', 'series' or the type itself (an episode, a video game…): only equal families meet."""
    if title_type in FILM_TYPES:
        return "film"
    if title_type in SERIES_TYPES:
        return "series"
    return title_type or "film"
