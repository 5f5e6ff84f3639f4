from django.urls import path

from content import views

app_name = "content"

urlpatterns = [
    path("tabs/<slug:slug>/edit/", views.edit_tab, name="edit_tab"),
    path("files/", views.files, name="files"),
    path("files/<int:pk>/<str:name>", views.file, name="file"),
]
