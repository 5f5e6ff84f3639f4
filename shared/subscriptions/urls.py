"""Feeds and watching, under /panels/ beside their pages (included by ``panels.urls``, in its namespace)."""

from django.urls import path

from subscriptions import feeds, views

urlpatterns = [
    path("feed/", feeds.AllPanelsFeed(), name="all_feed"),
    path("<int:pk>/feed/", feeds.PanelFeed(), name="feed"),
    path("<int:pk>/watch/", views.watch, name="watch"),
    path("<int:pk>/unwatch/", views.unwatch, name="unwatch"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
