"""The public site's pages, one module per kind of page; ``panels.views`` names them for the URLconf."""
