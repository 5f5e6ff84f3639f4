from rest_framework.renderers import BrowsableAPIRenderer


class BrowsableAPI(BrowsableAPIRenderer):
    """DRF's HTML pages for people, without the filter form.

    The views filter by their own query parameters, not through filter
    backends and a queryset, which the stock renderer assumes for lists.
    """

    def get_filter_form(self, data, view, request):
        return None

    def get_context(self, data, accepted_media_type, renderer_context):
        context = super().get_context(data, accepted_media_type, renderer_context)
        # Pygments' CSS would be an inline <style> block, which the Content-Security-Policy refuses.
        context["code_style"] = None
        return context
