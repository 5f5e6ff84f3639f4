"""Upstream PanelApp's first API, ``/WebServices/``, kept for the scripts and pipelines still calling it.

Read-only, anonymous like API v1 and served from the same data: a panel from
its stored version (``HistoricalSnapshot``), lists and searches from the
current panels and entities. Only the shape differs: upstream's capitalised
field names, ``{"result": ...}`` wrappers, its filters with their short terms
and its habit of answering a missing panel with a 200 and a one-string list.
"""
