"""The web view of a ``fops up`` session (see :mod:`fops.web.server`, docs/views.md)."""
