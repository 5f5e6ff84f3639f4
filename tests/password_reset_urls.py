"""Django's own password-reset confirmation pages at upstream PanelApp's paths, for the first-admin link test."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

urlpatterns = [
    path(
        "accounts/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"
    ),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    # Django's registration templates link to the admin.
    path("admin/", admin.site.urls),
]
