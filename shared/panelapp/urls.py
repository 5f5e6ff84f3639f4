from django.conf import settings
from django.contrib import admin
from django.urls import path
from serverless import health

from panelapp import views

urlpatterns = [
    path("", views.home, name="home"),
    path("version/", views.version, name="version"),
    path("health_check/", health.health_check, name="health_check"),
    path("favicon.ico", views.favicon, name="favicon"),
    path(settings.DJANGO_ADMIN_URL, admin.site.urls),
]
