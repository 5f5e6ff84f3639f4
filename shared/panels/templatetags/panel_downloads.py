"""``{% export_freshness as exports %}``: the all-panels files and how fresh each is, for any page.

Lets ``panels/_downloads.html`` work as a plain ``{% include %}`` in any page,
whatever that page's view put in its context (one query).
"""

from django import template

from panels import exports

register = template.Library()


@register.simple_tag
def export_freshness() -> list[exports.Freshness]:
    return exports.freshness()
