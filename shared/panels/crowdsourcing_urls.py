"""``/crowdsourcing/...``: PanelApp's first addresses, which links in old papers still use."""

from django.urls import re_path

from panels.pages.redirects import crowdsourcing_redirect

urlpatterns = [re_path(r"^(?P<rest>.*)$", crowdsourcing_redirect, name="crowdsourcing")]
