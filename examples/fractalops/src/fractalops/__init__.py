"""FractalOps runtime (example): the API and the worker share this image."""
