"""Curators' imports, under /panels/admin/ as in upstream PanelApp."""

from django.urls import path

from panels.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.upload_page, name="admin"),
    path("import/", views.start_import, name="start"),
    path("imports/<uuid:job_id>/", views.job_page, name="job"),
]
