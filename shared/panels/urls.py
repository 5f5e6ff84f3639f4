"""Upstream PanelApp's URL layout under /panels/, so links in papers, reports and bookmarks keep working.

Pages for reading are in ``panels.views``; TSV downloads and exports in ``panels.downloads``.
An entity's name is one segment whatever it holds (``panels.converters``): a
page that links to any stored entity renders, and the link leads to it.
"""

from django.urls import include, path, re_path, register_converter

from panels import bed_download, comment_views, curation, downloads, sign_off, views
from panels.converters import EntityNameConverter
from panels.pages import diff, gene_search, redirects

register_converter(EntityNameConverter, "entity")

app_name = "panels"
urlpatterns = [
    path("", views.panel_list, name="list"),
    # Atom feeds and watching a panel (subscriptions), before any pattern that would take "feed" for a name.
    path("", include("subscriptions.urls")),
    path("entities/", views.entity_list, name="entities"),
    path("entities/<entity:entity_name>", views.entity_detail, name="entity"),
    path("compare/", views.compare_form, name="compare_form"),
    path("compare/<int:panel_a>/<int:panel_b>", views.compare_panels, name="compare"),
    path("compare/<int:panel_a>/<int:panel_b>/<entity:gene_symbol>", views.compare_gene, name="compare_gene"),
    path("activity/", views.activity, name="activity"),
    path("gene_search/", gene_search.gene_search, name="gene_search"),  # the add-gene form's suggestions (JSON)
    path("download_panel/", downloads.all_panels, name="download_panels"),
    path("download_genes/", downloads.all_genes, name="download_genes"),
    path("download_strs/", downloads.all_strs, name="download_strs"),
    path("download_regions/", downloads.all_regions, name="download_regions"),
    path("<int:pk>/", views.panel_detail, name="detail"),
    path("<int:pk>/download/<str:categories>/", downloads.panel_tsv, name="download_panel_tsv"),
    path("<int:pk>/download/<str:categories>/bed/<str:build>/", bed_download.panel_bed, name="download_panel_bed"),
    path("<int:pk>/diff/", diff.diff_latest, name="diff_latest"),
    path("<int:pk>/diff/<str:from_version>/<str:to_version>/", diff.diff_page, name="diff"),
    path("<int:pk>/diff/<str:from_version>/<str:to_version>/tsv/", diff.diff_tsv, name="diff_tsv"),
    # Reviewers and curators (panels.curation), before the entity page so "add" is never taken for a name.
    path("create/", curation.create_panel, name="create_panel"),
    path("<int:pk>/update/", curation.update_panel, name="update_panel"),
    path("<int:pk>/promote/", curation.promote_panel, name="promote_panel"),
    path("<int:pk>/mark_not_ready/", curation.mark_not_ready, name="mark_not_ready"),
    path("<int:pk>/copy_reviews/", curation.copy_reviews, name="copy_reviews"),
    path("<int:pk>/sign_off/", sign_off.sign_off, name="sign_off"),
    path("<int:pk>/sign_off/<str:version>/withdraw/", sign_off.withdraw_sign_off, name="withdraw_sign_off"),
    re_path(r"^(?P<pk>\d+)/(?P<action>approve|reject|retire|delete)/$", curation.change_status, name="change_status"),
    path("<int:pk>/<str:entity_type>/add/", curation.add_entity, name="add_entity"),
    path("<int:pk>/<str:entity_type>/<entity:entity_name>/review/", curation.review, name="review"),
    path(
        "<int:pk>/<str:entity_type>/<entity:entity_name>/review/<int:review_pk>/delete/",
        curation.delete_review,
        name="delete_review",
    ),
    # One comment of a review's thread, at upstream's addresses.
    path(
        "<int:pk>/<str:entity_type>/<entity:entity_name>/edit_comment/<int:comment_pk>/",
        comment_views.edit_comment,
        name="edit_comment_by_user",
    ),
    path(
        "<int:pk>/<str:entity_type>/<entity:entity_name>/delete_comment/<int:comment_pk>/",
        comment_views.delete_comment,
        name="delete_comment_by_user",
    ),
    path("<int:pk>/<str:entity_type>/<entity:entity_name>/edit/", curation.edit_entity, name="edit_entity"),
    path("<int:pk>/<str:entity_type>/<entity:entity_name>/delete/", curation.remove_entity, name="remove_entity"),
    path("<int:pk>/<str:entity_type>/<entity:entity_name>/rating/", curation.rate_entity, name="rate_entity"),
    path("<int:pk>/<str:entity_type>/<entity:entity_name>/tags/", curation.tag_entity, name="tag_entity"),
    path("<int:pk>/<str:entity_type>/<entity:entity_name>/ready/", curation.mark_entity, name="mark_entity"),
    path("<int:pk>/<str:entity_type>/<entity:entity_name>/approve/", curation.approve_entity, name="approve_entity"),
    path(
        "<int:pk>/<str:entity_type>/<entity:entity_name>/clear_sources/", curation.clear_sources, name="clear_sources"
    ),
    path("<int:pk>/<str:entity_type>/<entity:entity_name>/add_sources/", curation.add_sources, name="add_sources"),
    path("<int:pk>/<str:entity_type>/<entity:entity_name>/", views.entity_in_panel, name="entity_in_panel"),
    # Old addresses: upstream's, each sent to the page that took its place.
    path("<int:pk>/download_version/", redirects.download_version_redirect, name="old_download_version"),
    path("<int:pk>/<entity:entity_name>/", redirects.old_entity_redirect, name="old_entity"),
    path("copy/<int:panel_a>/<int:panel_b>", redirects.copy_reviews_redirect, name="old_copy_reviews"),
    path("upload_genes/", redirects.to_page, {"name": "imports:admin"}),
    path("upload_panel/", redirects.to_page, {"name": "imports:admin"}),
    path("upload_reviews/", redirects.to_page, {"name": "imports:admin"}),
    # /panels/genes/... (now entities) and PanelApp's first 24-character panel ids.
    path("genes/", views.old_genes_redirect, name="old_genes"),
    path("genes/<entity:entity_name>", views.old_genes_redirect, name="old_gene"),
    re_path(r"^(?P<hash_id>[0-9a-f]{24})/(?P<rest>.*)$", views.old_panel_redirect, name="old_panel"),
]
