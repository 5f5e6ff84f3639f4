from django.urls import path

from panels import views

app_name = "panels"
urlpatterns = [
    path("", views.panel_list, name="list"),
    path("<int:pk>/", views.panel_detail, name="detail"),
]
