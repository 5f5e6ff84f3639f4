"""Bulk data in upstream PanelApp's file formats: gene reference data, panel files and review files.

Reading a file (``files``) and parsing each format (``panel_file``,
``review_file``, ``gene_file``) never writes anything and reports every bad
row with its row number, column and a message. Applying a good file
(``jobs``) goes through ``panels.services`` in one transaction per file, or,
for the HGNC complete set, in chunks that are separate worker tasks
(``tasks``). Curators upload files on ``/panels/admin/`` (``views``);
operators use the ``import_genes``/``import_panels``/``import_reviews``
management commands. Formats and operations: docs/imports.md.
"""
