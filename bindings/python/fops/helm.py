"""Helm dev releases in a Tiltfile (issue: Helm and modes)."""
__all__: list = []
