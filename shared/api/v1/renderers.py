from rest_framework.renderers import BrowsableAPIRenderer


class BrowsableAPI(BrowsableAPIRenderer):
    """DRF's HTML pages for people, without the filter form.

    The views filter by their own query parameters, not through filter
    backends and a queryset, which the stock renderer assumes for lists.
    """

    def get_filter_form(self, data, view, request):
        return None
