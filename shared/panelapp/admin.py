"""What every admin with a date hierarchy shares: a bad date in the URL is a bad link, not a 500.

Django's ``ChangeList`` turns the ``<field>__year/__month/__day`` parameters
into a date range, and only a ``ValueError`` building the first day is caught:
a year beyond a C integer (``OverflowError``) or 9999 (whose next year does not
exist) escapes as a 500. Here both become ``IncorrectLookupParameters``, which
the admin answers like any other bad filter (a redirect to ``?e=1``).
"""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList


class BoundedDateChangeList(ChangeList):
    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error


class DateHierarchyAdmin(admin.ModelAdmin):
    """A ``ModelAdmin`` whose ``date_hierarchy`` refuses impossible dates with the admin's own message."""

    def get_changelist(self, request, **kwargs):
        return BoundedDateChangeList
