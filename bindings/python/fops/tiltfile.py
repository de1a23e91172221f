"""The Tiltfile vocabulary, with Tilt's names and meaning.

A Tiltfile may begin with ``from fops.tiltfile import *``; ``fops.load`` and
the ``fops`` command also provide these names as globals. Every bad argument
(wrong type, unknown keyword, bad trigger mode) raises :class:`fops.ConfigError`
that names the Tiltfile line of the call and the argument::

    Tiltfile.py:12: local_resource('api'): argument 'deps': expected a str or
    a list of str, got int

This module only gathers the names; each group of functions is a module of
its own (none imports another): :mod:`fops.resources` (``local_resource``,
probes, settings, ``config``), :mod:`fops.images` (``build_plane``,
``image_build``), :mod:`fops.helm` (``helm_release``), :mod:`fops.modes`
(``current_mode``, ``guard_settings``, ``argocd_apps``), :mod:`fops.kube`
(``k8s_context``, ``allow_k8s_contexts``) and :mod:`fops.smokes`
(``http_smoke``, ``browser_smoke``, ``port_forward``). A new group is a new
module added here.

See docs/tiltfile.md for every function and how it differs from Tilt.
"""
from fops import helm as _helm
from fops import images as _images
from fops import kube as _kube
from fops import modes as _modes
from fops import resources as _resources
from fops import smokes as _smokes
from fops.helm import *  # noqa: F401,F403  helm_release
from fops.images import *  # noqa: F401,F403  image_build, build_plane, ...
from fops.kube import *  # noqa: F401,F403  k8s_context, allow_k8s_contexts
from fops.modes import *  # noqa: F401,F403  current_mode, guard_settings, argocd_apps
from fops.resources import *  # noqa: F401,F403  local_resource, probe, config, ...
from fops.resources import TriggerMode  # noqa: F401  fops.tiltfile.TriggerMode, as before
from fops.smokes import *  # noqa: F401,F403  http_smoke, browser_smoke, port_forward

__all__ = (list(_resources.__all__) + list(_images.__all__) + list(_helm.__all__) +
           list(_modes.__all__) + list(_kube.__all__) + list(_smokes.__all__))
