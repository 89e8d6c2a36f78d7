"""Forms of the tenant settings pages; rules live in the services, forms only parse input."""

import time

from django import forms
from django.conf import settings
from django.core import signing

_SIGNUP_SALT = "apps.tenants.signup.started"
_SIGNUP_MAX_AGE = 24 * 3600
BOT_REFUSAL = "Your sign-up could not be accepted. Please reload the page and try again."


def signup_started_token(now: float | None = None) -> str:
    """When the form was shown, signed so a bot cannot claim it waited."""
    return signing.dumps({"t": now if now is not None else time.time()}, salt=_SIGNUP_SALT)


class DomainAddForm(forms.Form):
    domain = forms.CharField(max_length=253, label="Domain", help_text="For example shop.example.com")


class SignupForm(forms.Form):
    """Self-service signup. `website` is a honeypot (hidden from people); `started` a signed timestamp."""

    company_name = forms.CharField(max_length=200, label="Company name")
    subdomain = forms.CharField(max_length=30, label="Your address", help_text="letters, digits and hyphens")
    email = forms.EmailField(
        max_length=254, label="Your e-mail", help_text="We send a link to confirm it before anything is created."
    )
    website = forms.CharField(required=False, label="Leave this field empty")
    started = forms.CharField(widget=forms.HiddenInput)

    def clean_subdomain(self) -> str:
        return self.cleaned_data["subdomain"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("website"):
            raise forms.ValidationError(BOT_REFUSAL, code="honeypot")
        try:
            started = float(signing.loads(self.data.get("started", ""), salt=_SIGNUP_SALT)["t"])
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            raise forms.ValidationError(BOT_REFUSAL, code="bad_token") from None
        elapsed = time.time() - started
        if elapsed < settings.SIGNUP_MIN_FILL_SECONDS:
            raise forms.ValidationError("That was quick! Please check your details and submit again.", code="too_fast")
        if elapsed > _SIGNUP_MAX_AGE:
            raise forms.ValidationError("This form has expired; please submit it again.", code="expired")
        return cleaned


class SignupPasswordForm(forms.Form):
    """Step 2 of signup for a new address: the password is chosen only once the address is confirmed."""

    password = forms.CharField(
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        strip=False,
        max_length=4096,
        label="Choose a password",
    )


class OffboardingForm(forms.Form):
    confirm = forms.CharField(max_length=63, label="Type your workspace's short name to confirm")


class BrandingForm(forms.Form):
    primary_color = forms.CharField(
        max_length=7, label="Primary colour", widget=forms.TextInput(attrs={"type": "color"})
    )
    secondary_color = forms.CharField(
        max_length=7, label="Secondary colour", widget=forms.TextInput(attrs={"type": "color"})
    )
    logo = forms.FileField(required=False, label="Logo", help_text="PNG, JPEG, GIF or ICO, at most 1 MB")
    remove_logo = forms.BooleanField(required=False, label="Remove the current logo")
    favicon = forms.FileField(required=False, label="Favicon", help_text="PNG, ICO, GIF or JPEG, at most 256 KB")
    remove_favicon = forms.BooleanField(required=False, label="Remove the current favicon")
