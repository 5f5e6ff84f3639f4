"""The admin site's URLconf, included lazily by ``panelapp.urls`` like every other part."""

from django.contrib import admin

urlpatterns = admin.site.get_urls()
