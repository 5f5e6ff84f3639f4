"""PanelApp: a crowd-sourced knowledge base of gene panels, run on AWS Lambda."""

__version__ = "0.1.0"
