"""Registration as upstream PanelApp asks it: name, address, password, and who you are."""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from accounts import lockout
from accounts.models import Reviewer

User = get_user_model()


def _choices(choices: type[Reviewer.JobRole] | type[Reviewer.Workplace] | type[Reviewer.Group], prompt: str):
    return [("", prompt), *choices.choices]


class RegistrationForm(UserCreationForm):
    """A user and their reviewer profile; ``profile()`` is what goes on the ``Reviewer``.

    It asks no username and never says an address is taken: either would tell
    anyone which people have accounts. The worker makes the username and
    e-mails the address (``services.complete_registration``).
    """

    email = forms.EmailField(label="E-mail address")
    confirm_email = forms.EmailField(label="E-mail address again")
    affiliation = forms.CharField(max_length=255, help_text="Your institution or company")
    job_role = forms.ChoiceField(label="Role", choices=_choices(Reviewer.JobRole, "Please select a role"))
    workplace = forms.ChoiceField(choices=_choices(Reviewer.Workplace, "Please select a workplace"))
    group = forms.ChoiceField(choices=_choices(Reviewer.Group, "Please select a group"))
    contact_details = forms.CharField(max_length=255, required=False, help_text="A telephone number or postal address")

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["first_name", "last_name", "email"]

    field_order = [
        "first_name",
        "last_name",
        "email",
        "confirm_email",
        "password1",
        "password2",
        "affiliation",
        "job_role",
        "workplace",
        "group",
        "contact_details",
    ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["first_name"].required = self.fields["last_name"].required = True
        self.fields["first_name"].widget.attrs["autofocus"] = True
        self.fields["email"].help_text = "You will sign in with it."
        # Registration has no "usable password" switch: a password is required.
        self.fields.pop("usable_password", None)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip()

    def clean(self) -> dict:
        cleaned = super().clean()
        email, again = cleaned.get("email"), cleaned.get("confirm_email", "").strip()
        if email and again and email.lower() != again.lower():
            self.add_error("confirm_email", "The two addresses differ.")
        return cleaned

    def profile(self) -> dict[str, str]:
        fields = ("affiliation", "job_role", "workplace", "group", "contact_details")
        return {field: self.cleaned_data[field] for field in fields}


class SignInForm(auth_forms.AuthenticationForm):
    """Django's sign-in form, taking an e-mail address as well as a username (``lockout.account_name``)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.label = "E-mail address or username"
        # As long as an address may be; a username is shorter anyway.
        field.max_length = field.widget.attrs["maxlength"] = 254


class ResendVerificationForm(forms.Form):
    email = forms.EmailField(label="E-mail address")


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form, with the sign-in lockout on the current password.

    Someone holding a signed-in session (a shared computer, a stolen cookie)
    must not be able to guess the password here faster than at the sign-in
    page: wrong current passwords count against the same account and address
    budgets, and once either is used up the password is not even checked.
    ``locked`` is then the seconds until the lock lifts.
    """

    def __init__(self, user, *args, request: HttpRequest | None = None, **kwargs) -> None:
        super().__init__(user, *args, **kwargs)
        self.request = request
        self.locked: int | None = None

    def clean_old_password(self) -> str:
        username = self.user.get_username()
        try:
            lockout.check_not_locked(self.request, username, what=lockout.PASSWORD_CHANGE)
        except lockout.SignInLocked as locked:
            self.locked = locked.retry_after
            raise
        try:
            old_password = super().clean_old_password()
        except ValidationError:
            lockout.record_failure(self.request, username)
            raise
        lockout.clear_failures(username)
        return old_password
