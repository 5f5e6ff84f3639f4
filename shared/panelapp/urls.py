from django.conf import settings
from django.contrib import admin
from django.contrib.staticfiles.views import serve as serve_static
from django.urls import include, path, re_path
from panels.views import crowdsourcing_redirect
from serverless import health
from serverless.storage.local import serve_media

from panelapp import views

urlpatterns = [
    path("", views.home, name="home"),
    path("version/", views.version, name="version"),
    path("health_check/", health.health_check, name="health_check"),
    path("favicon.ico", views.favicon, name="favicon"),
    path(settings.DJANGO_ADMIN_URL, admin.site.urls),
    path("uploads/", include("uploads.urls")),
    path("api/", include("api.urls")),
    path("panels/admin/", include("panels.imports.urls")),  # curators' file imports, upstream's address
    path("panels/", include("panels.urls")),
    path("accounts/", include("accounts.urls")),
    # PanelApp's first addresses lived under /crowdsourcing/: the same page today.
    re_path(r"^crowdsourcing/(?P<rest>.*)$", crowdsourcing_redirect, name="crowdsourcing"),
]

if not settings.USE_S3:
    # Local files: the application serves them itself (S3 and CloudFront do
    # otherwise); media only to holders of a signed, unexpired link.
    urlpatterns += [
        path(f"{settings.STATIC_URL.lstrip('/')}<path:path>", serve_static, {"insecure": True}),
        path(f"{settings.MEDIA_URL.lstrip('/')}<path:path>", serve_media, name="media"),
    ]
