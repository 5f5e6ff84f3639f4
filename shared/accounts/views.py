"""The account pages. What they change, ``accounts.services`` changes; who may, ``accounts.policy`` says."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.messages.views import SuccessMessageMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from panels.models import Evaluation
from rest_framework.authtoken.models import Token
from serverless.ratelimit import ratelimit

from accounts import policy, services
from accounts.forms import PasswordChangeForm, RegistrationForm, ResendVerificationForm
from accounts.models import Reviewer

PAGE_SIZE = 50
NOTIFICATIONS_SHOWN = 20


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """Sign out; behind the ALB's Cognito sign-in, of the ALB's and Cognito's sessions too."""
    if settings.AWS_USE_COGNITO:
        from serverless.alb_auth import sign_out  # only where Cognito is on

        return sign_out(request)
    return auth_views.LogoutView.as_view()(request)


@ratelimit("registration", "REGISTRATION_RATE")
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """``/accounts/registration/``: a new external user, who must confirm their address before signing in.

    The answer is the same whether or not the address has an account: the
    worker makes the account, or tells the address's owner someone tried.
    """
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.register(
            email=data["email"],
            password=data["password1"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            **form.profile(),
        )
        request.session["registered_email"] = data["email"]
        request.session["resent_verification"] = False
        return redirect("accounts:registration_done")
    return render(request, "accounts/registration.html", {"form": form}, status=400 if form.errors else 200)


@require_GET
def registration_done(request: HttpRequest) -> HttpResponse:
    hours = settings.ACCOUNT_VERIFICATION_MAX_AGE // 3600
    context = {
        "email": request.session.get("registered_email", ""),
        "resent": request.session.get("resent_verification", False),
        "hours": hours,
    }
    return render(request, "accounts/registration_done.html", context)


@ratelimit("resend_verification", "REGISTRATION_RATE")
@require_http_methods(["GET", "POST"])
def resend_verification(request: HttpRequest) -> HttpResponse:
    """A new confirmation link; the answer is the same whether or not the address waits, so it reveals nothing."""
    form = ResendVerificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.request_verification_link(form.cleaned_data["email"])
        request.session["registered_email"] = form.cleaned_data["email"]
        request.session["resent_verification"] = True
        return redirect("accounts:registration_done")
    return render(request, "accounts/resend_verification.html", {"form": form}, status=400 if form.errors else 200)


@require_GET
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    """The signed link from the verification e-mail: activates the account once."""
    try:
        user, first_time = services.verify_email(token)
    except services.InvalidVerificationLink as error:
        return render(request, "accounts/verify_email_failed.html", {"reason": str(error)}, status=400)
    return render(request, "accounts/verify_email_done.html", {"verified_user": user, "first_time": first_time})


@require_GET
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The user's own reviews and comments, newest first (a page at a time), and their API token."""
    evaluations = (
        Evaluation.objects.filter(user=request.user)
        .select_related("entity__panel")
        .prefetch_related("thread")  # the latest comment of each review
        .only(
            "rating",
            "created",
            "version",
            "entity__entity_type",
            "entity__entity_name",
            "entity__panel__name",
        )
        .order_by("-created", "-pk")
    )
    page = Paginator(evaluations, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "reviewer": getattr(request.user, "reviewer", None),  # None for a superuser made by createsuperuser
        "evaluations": page,
        "token": Token.objects.filter(user=request.user).first(),
        "can_approve_reviewers": policy.can_approve_reviewers(request.user),
        # What PanelApp told them (panel promoted, ...): the newest, as the e-mails may be gone.
        "notifications": request.user.notifications.all()[:NOTIFICATIONS_SHOWN],
    }
    return render(request, "accounts/profile.html", context)


@require_POST
@login_required
def regenerate_token(request: HttpRequest) -> HttpResponse:
    if not policy.can_use_api_token(request.user):
        raise PermissionDenied("Your account may not hold an API token.")
    services.regenerate_api_token(request.user)
    messages.success(request, "Your new API token is ready; the previous one no longer works.")
    return redirect("accounts:profile")


class ChangePasswordView(SuccessMessageMixin, auth_views.PasswordChangeView):
    """``/accounts/change_password/``: Django's own (the session stays signed in), behind the password lockout.

    A refused form is a 400; while the lockout holds, a 429 with ``Retry-After``.
    """

    form_class = PasswordChangeForm
    template_name = "accounts/change_password.html"
    success_url = reverse_lazy("accounts:profile")
    success_message = "Your password has been changed."

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "request": self.request}

    def form_invalid(self, form: PasswordChangeForm) -> HttpResponse:
        response = self.render_to_response(self.get_context_data(form=form), status=400)
        if form.locked is not None:
            response.status_code = 429
            response["Retry-After"] = str(form.locked)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """``/accounts/password_reset/``: Django's form, its work in the worker.

    The page only queues ``accounts.tasks.send_password_reset``: looking the
    address up here would make a known address slower to answer than an
    unknown one. The worker sends Django's link, starting from
    PANEL_APP_BASE_URL, never from the request's Host header.
    """

    template_name = "accounts/password_reset_form.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form) -> HttpResponse:
        services.request_password_reset(form.cleaned_data["email"])
        return redirect(self.get_success_url())

    def form_invalid(self, form) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)


def _curator(request: HttpRequest) -> None:
    if not policy.can_approve_reviewers(request.user):
        raise PermissionDenied("Only curators approve reviewers.")


@require_GET
@login_required
def pending_reviewers(request: HttpRequest) -> HttpResponse:
    """The curators' list of verified users waiting to become reviewers."""
    _curator(request)
    page = Paginator(services.pending_reviewers(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/pending_reviewers.html", {"pending": page})


@require_POST
@login_required
def decide_reviewer(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    """Approve (the user becomes a reviewer and is told) or reject a pending request."""
    _curator(request)
    decide = {"approve": services.approve_reviewer, "reject": services.reject_reviewer}.get(decision)
    if decide is None:
        raise Http404("Approve or reject.")
    reviewer = get_object_or_404(Reviewer.objects.select_related("user"), pk=pk)
    name = reviewer.user.get_full_name() or reviewer.user.get_username()
    if decide(reviewer):
        done = "is now a reviewer" if decision == "approve" else "stays an external user (request rejected)"
        messages.success(request, f"{name} {done}.")
    else:
        messages.info(request, f"{name} was not waiting for approval: nothing changed.")
    return redirect("accounts:pending_reviewers")
