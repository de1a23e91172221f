"""Which module of the fops package may import which: its layers, bottom first.

A module imports only modules of the layers below its own, and of its own
layer where the layer allows it; nothing imports another module's private
(``_name``) names; there is no import cycle. tests/python/test_package_layers.py
walks every import (at the top of a module and inside functions) and fails
naming the module that breaks a rule. Nothing imports this module: it is
the table the test reads.

- **native**: ``_fops``, the C++ extension. Any module may use it.
- **core**: what every Tiltfile function needs and what the groups of
  functions share: the errors, durations, the load context (with its
  end-of-load checks), argument checks that name the Tiltfile line
  (:mod:`fops.args`), the recorder of what a load read
  (:mod:`fops.plan_cache`), the guard's settings (:mod:`fops.policy`) and
  the pinned cluster (:mod:`fops.cluster`).
- **vocabulary**: one module per group of Tiltfile functions. Each depends
  only on the core and ``_fops``, never on another group: what one group
  needs of another goes through the core (state in the load context, a
  check run once the Tiltfile has finished).
- **assembly**: the Tiltfile namespace (:mod:`fops.tiltfile`) and the loader.
- **runner**: what runs a loaded project: the engine, the hooks a run gets
  (:mod:`fops.hooks`), the session, the mode transitions, the test
  harness, the timeline, the reloader of ``fops up`` (:mod:`fops.reload`);
  and the package's own ``import fops``.
- **commands**: the ``fops`` command, its subcommands, the web view.

Adding a Tiltfile function: put it in its group's module (or a new
vocabulary module, listed here and gathered by :mod:`fops.tiltfile`); a
helper two groups share goes into the core under a public name.
"""

#: (layer, whether its modules may import each other, its modules), bottom first.
#: Module names are relative to the package ("" is the package itself).
LAYERS = (
    ("native", False, ("_fops",)),
    ("core", True, ("errors", "durations", "context", "args", "plan_cache", "policy",
                    "cluster", "layers")),
    ("vocabulary", False, ("resources", "images", "helm", "kube", "modes", "smokes",
                           "telemetry")),
    ("assembly", True, ("tiltfile", "loader")),
    ("runner", True, ("engine", "hooks", "session", "transitions", "testing", "timeline", "reload",
                      "")),
    ("commands", True, ("cmdline", "cli", "control", "__main__", "commands", "commands.*",
                        "web", "web.*", "smoke", "smoke.*")),
)
