"""The home page's tabs and the images and files they show, both edited by curators.

As upstream PanelApp's home page (its ``HomeText``, ``Image`` and ``File``):
tabs of Markdown in a fixed order, each reachable by its slug (upstream's
``href``, e.g. ``FAQs``). The HTML is rendered when a tab is saved and
stored beside the Markdown, so showing the home page is one query and no
Markdown parsing.
"""

import logging
import uuid

from django.conf import settings
from django.db import models
from django.db.models import BooleanField, Case, F, Q, Subquery, Value, When
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.urls import reverse

log = logging.getLogger(__name__)

# Each tab's Markdown is bounded, and so is the number of tabs shown, so the home page stays
# far below the ALB's 1 MB response limit.
MAX_BODY_CHARS = 30_000
MAX_TABS = 20


class HomeTabQuerySet(models.QuerySet):
    def for_home(self, slug: str = "") -> models.QuerySet:
        """Every tab's title and slug, and only the shown one's text (``slug``'s, or the first's): one query.

        Each tab carries ``shown``; the shown one also ``shown_body`` and
        ``shown_html`` (the others' texts are not read from the database).
        """
        ordered = self.order_by("position", "pk")
        shown = Q(slug=slug) if slug else Q(pk=Subquery(ordered.values("pk")[:1]))
        return ordered.defer("body", "body_html").annotate(
            shown=Case(When(shown, then=Value(True)), default=Value(False), output_field=BooleanField()),
            shown_body=Case(When(shown, then=F("body")), default=Value(""), output_field=models.TextField()),
            shown_html=Case(When(shown, then=F("body_html")), default=Value(""), output_field=models.TextField()),
        )[:MAX_TABS]


class HomeTab(models.Model):
    title = models.CharField(max_length=64)
    slug = models.SlugField(
        max_length=64,
        unique=True,
        help_text="Its address, /?tab=<slug>: upstream PanelApp's section names (e.g. FAQs).",
    )
    body = models.TextField(blank=True, max_length=MAX_BODY_CHARS, help_text="Markdown.")
    body_html = models.TextField(blank=True, editable=False)
    # The content.markdown.RENDERER_VERSION that produced body_html.
    rendered_with = models.PositiveSmallIntegerField(default=0, editable=False)
    position = models.PositiveSmallIntegerField(default=0, help_text="Tabs are shown in increasing position.")
    modified = models.DateTimeField(auto_now=True)
    modified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = HomeTabQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        # Rendered on every save, whoever saves: the site's form or the admin.
        self.render()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "body_html", "rendered_with"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return f"{reverse('home')}?tab={self.slug}"

    def render(self) -> None:
        from content import markdown  # markdown-it only where Markdown is written, not on every page

        self.body_html = markdown.render(self.body).html
        self.rendered_with = markdown.RENDERER_VERSION

    def page_html(self) -> str:
        """The HTML of a tab fetched by ``for_home``: the stored copy, or a fresh one if the rules changed since."""
        from content.markdown import RENDERER_VERSION  # a small module; markdown-it loads only if needed

        if self.rendered_with == RENDERER_VERSION:
            return self.shown_html
        from content import markdown

        return markdown.render(self.shown_body).html


def stored_name(instance: "HomeFile", filename: str) -> str:
    """``content/<random>/<safe name>``: never guessable, never overwriting, the file's own name kept for people."""
    from serverless.uploads import safe_file_name

    return f"content/{uuid.uuid4().hex}/{safe_file_name(filename)}"


class HomeFile(models.Model):
    """An image or file uploaded for the home page, kept in the media storage (the private S3 bucket on AWS).

    Pages link it at ``/content/files/<id>/<name>``, a stable address that
    redirects to a fresh expiring link: the stored HTML never holds a
    presigned URL that would stop working an hour later.
    """

    file = models.FileField(upload_to=stored_name, max_length=255)
    title = models.CharField(
        max_length=128, help_text="What the image shows (its alternative text), or the link text of a file."
    )
    is_image = models.BooleanField(editable=False, default=False)
    size = models.PositiveIntegerField(editable=False, default=0)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("content:file", args=[self.pk, self.file_name])

    @property
    def file_name(self) -> str:
        return self.file.name.rsplit("/", 1)[-1]

    @property
    def markdown(self) -> str:
        """What to paste into a tab to show this image or link this file."""
        title = self.title.replace("[", "(").replace("]", ")")
        prefix = "!" if self.is_image else ""
        return f"{prefix}[{title}]({self.get_absolute_url()})"


@receiver(post_delete, sender=HomeFile)
def delete_stored_file(sender, instance: HomeFile, **kwargs) -> None:
    """A deleted home file leaves no object behind in the bucket (a failure is logged, the row is gone anyway)."""
    try:
        instance.file.delete(save=False)
    except Exception:  # S3 unreachable: an orphan object costs cents, a failed delete page costs a curator
        log.exception("could not delete the stored file %s", instance.file.name)
