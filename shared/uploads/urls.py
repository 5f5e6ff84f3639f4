from django.urls import path

from uploads import views

app_name = "uploads"

urlpatterns = [
    path("", views.start, name="start"),
    path("<uuid:upload_id>/confirm/", views.confirm, name="confirm"),
    path("local/", views.local_target, name="local-target"),
]
