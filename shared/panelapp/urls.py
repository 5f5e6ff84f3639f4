"""PanelApp's addresses.

Each part of the site is included lazily: its URLconf (and the views, forms
and libraries behind it, DRF for the API, the admin's site) is imported when a
request's path first enters it, not when the web function starts. A Lambda
environment started on demand then pays only for what its first request uses;
one started for a SnapStart snapshot loads them all at init
(``serverless.preload``).
"""

from django.conf import settings
from django.contrib.staticfiles.views import serve as serve_static
from django.urls import path
from serverless import health
from serverless.storage.local import serve_media

from panelapp import views


def lazy_include(module: str, namespace: str | None = None) -> tuple[str, str | None, str | None]:
    """``include(module)``, but imported on first use.

    ``include()`` imports its module at once; Django's ``URLResolver`` given
    the module's dotted name imports it the first time a path matches the
    prefix (or a URL is reversed). The namespace is given here because the
    module's ``app_name`` cannot be read without importing it.
    """
    return (module, namespace, namespace)


urlpatterns = [
    path("", views.home, name="home"),
    path("version/", views.version, name="version"),
    path("health_check/", health.health_check, name="health_check"),
    path("favicon.ico", views.favicon, name="favicon"),
    path(settings.DJANGO_ADMIN_URL, lazy_include("panelapp.admin_urls", "admin")),
    path("uploads/", lazy_include("uploads.urls", "uploads")),
    path("content/", lazy_include("content.urls", "content")),  # the home page's tabs, images and files
    path("api/", lazy_include("api.urls")),
    path("WebServices/", lazy_include("api.webservices.urls", "webservices")),  # upstream's first API
    path("panels/admin/", lazy_include("panels.imports.urls", "imports")),  # curators' file imports, upstream's address
    path("panels/", lazy_include("panels.urls", "panels")),
    path("accounts/", lazy_include("accounts.urls", "accounts")),
    # PanelApp's first addresses lived under /crowdsourcing/: the same page today.
    path("crowdsourcing/", lazy_include("panels.crowdsourcing_urls")),
]

if not settings.USE_S3:
    # Local files: the application serves them itself (S3 and CloudFront do
    # otherwise); media only to holders of a signed, unexpired link.
    urlpatterns += [
        path(f"{settings.STATIC_URL.lstrip('/')}<path:path>", serve_static, {"insecure": True}),
        path(f"{settings.MEDIA_URL.lstrip('/')}<path:path>", serve_media, name="media"),
    ]
