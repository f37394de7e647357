"""Forms of the account pages. Validation that belongs to the domain stays in accounts.services
(viewer_create raises ValidationFailed naming the field); the views copy those errors here."""
from django import forms
from django.conf import settings
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

# Messages accounts.services may raise, so that they are translated too.
SERVICE_MESSAGES = (gettext_noop("A user with that e-mail already exists."),
                    gettext_noop("A user with that username already exists."))

LANGUAGE_CHOICES = [("en", "English"), ("fr", "Français")]


def language_choices():
    known = dict(LANGUAGE_CHOICES)
    return [(code, known.get(code, str(name))) for code, name in settings.LANGUAGES]


class SignupForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150,
                               help_text=_("Letters, digits and @/./+/-/_ only."),
                               widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))
    email = forms.EmailField(label=_("E-mail (optional, for password resets)"), required=False,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password1 = forms.CharField(label=_("Password"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("Password again"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    language = forms.ChoiceField(label=_("Language"), choices=language_choices)

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        return data

    # Service field name -> form field name.
    SERVICE_FIELDS = {"username": "username", "email": "email", "password": "password1"}

    def add_service_errors(self, errors: dict):
        for field, messages in (errors or {}).items():
            target = self.SERVICE_FIELDS.get(field)
            for message in messages if isinstance(messages, (list, tuple)) else [messages]:
                self.add_error(target, gettext(str(message)))


class ProfileForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=language_choices,
                                 help_text=_("Pages, e-mails and notifications use this language."))


class NamesField(forms.Field):
    """Several free-text names (one per chip of the token input, or one per line)."""

    widget = forms.MultipleHiddenInput

    def __init__(self, *, max_items=10, max_length=200, **kwargs):
        self.max_items, self.max_length = max_items, max_length
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in (None, ""):
            return []
        values = value if isinstance(value, (list, tuple)) else [value]
        out, seen = [], set()
        for raw in values:
            for part in str(raw).splitlines():
                name = " ".join(part.split())
                if name and name.lower() not in seen:
                    seen.add(name.lower())
                    out.append(name)
        return out

    def validate(self, value):
        super().validate(value)
        if len(value) > self.max_items:
            raise forms.ValidationError(_("At most %(n)d names, please.") % {"n": self.max_items})
        for name in value:
            if len(name) > self.max_length:
                raise forms.ValidationError(_("“%(name)s…” is too long.") % {"name": name[:30]})


class OnboardingForm(forms.Form):
    genres = forms.TypedMultipleChoiceField(label=_("Genres you enjoy"), coerce=int, required=False,
                                            widget=forms.CheckboxSelectMultiple)
    titles = forms.TypedMultipleChoiceField(label=_("Films and series you liked"), coerce=int, required=False,
                                            widget=forms.CheckboxSelectMultiple)
    names = NamesField(label=_("Other films you love"), max_items=10)

    def __init__(self, *args, genres=(), titles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["genres"].choices = [(g.pk, g.name) for g in genres]
        self.fields["titles"].choices = [(t.pk, t.primary_title) for t in titles]

    def clean(self):
        data = super().clean()
        if not self.errors and not (data.get("genres") or data.get("titles") or data.get("names")):
            raise forms.ValidationError(_("Pick at least one genre or one title — or skip this step."))
        return data
