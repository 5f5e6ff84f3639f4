"""Accounts at upstream PanelApp's /accounts/ paths (plus e-mail verification and the curators' approvals)."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy
from django.views.generic import RedirectView
from serverless.ratelimit import ratelimit

from accounts import views
from accounts.forms import SignInForm

app_name = "accounts"
urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="accounts/login.html", authentication_form=SignInForm),
        name="login",
    ),
    # POST only: a link or an image could otherwise sign a user out.
    path("logout/", views.logout, name="logout"),
    path("registration/", views.register, name="register"),
    path("registration/done/", views.registration_done, name="registration_done"),
    path("registration/resend/", views.resend_verification, name="resend_verification"),
    path("verify_email/<str:token>/", views.verify_email, name="verify_email"),
    path("profile/", views.profile, name="profile"),
    path("profile/token/", views.regenerate_token, name="regenerate_token"),
    path("change_password/", views.ChangePasswordView.as_view(), name="change_password"),
    # Upstream's address of the same page (Django's default name for it).
    path("password_change/", RedirectView.as_view(pattern_name="accounts:change_password", permanent=True)),
    # Each request e-mails someone: limited per client address, like registration.
    path(
        "password_reset/",
        ratelimit("password_reset", "REGISTRATION_RATE")(views.PasswordResetView.as_view()),
        name="password_reset",
    ),
    path(
        "password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path("reviewers/", views.pending_reviewers, name="pending_reviewers"),
    path("reviewers/<int:pk>/<str:decision>/", views.decide_reviewer, name="decide_reviewer"),
]
