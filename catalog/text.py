"""Text normalisation for accent-insensitive search ("amelie" finds "Amélie")."""
import re

from unidecode import unidecode

_SPACES = re.compile(r"\s+")


def normalize(text):
    return _SPACES.sub(" ", unidecode(text or "")).strip().lower()
