# The FractalOps dev loop as a fops Tiltfile: images, Helm dev releases, a
# port-forward to the portal and its smokes. Every image gets its registry,
# tag and cache scope from the build plane; the releases receive each
# image's pushed reference as `runtime.ref` / `runtime.repository` +
# `runtime.tag`.
#
#   fops plan -f examples/fractalops/Tiltfile.py     # the exact buildah argv
#   fops mode staging --build-only runtime            # staging tag + staging cache scope
from fops.tiltfile import *

plane = build_plane("ops/infra/topology/lxc-pve-lab.yaml")

runtime = image_build(
    "runtime",                           # cache scope …/buildcache/<stage>/runtime
    context=".",
    dockerfile="docker/runtime.Dockerfile",
    plane=plane,                         # registry, tag policy, cache scope come from here
)
portal = image_build("portal", context="portal", dockerfile="portal/Dockerfile", plane=plane)

# --- Helm dev releases (docs/helm.md) -----------------------------------------
# Dev releases of the same charts Argo CD syncs for the canonical apps, in the
# dev namespace; each receives its image's pushed reference and the seed's HPA
# bounds. `canonical=` names the Argo-owned release that `fops mode staging
# TARGET` may upgrade with a staging image (only when the target is named).
config.define_bool("worker")
config.define_bool("e2e")
cfg = config.parse()                     # fops up -- --worker --e2e

helm_release("api", release="fractalops-api-dev", chart="charts/fractalops-api",
             namespace="fractalops-dev", image=runtime, autoscaling=(2, 6),
             values=["charts/fractalops-api/values-dev.yaml"],
             canonical=("fractalops-api", "fractalops"))
helm_release("portal", release="fractalops-portal-dev", chart="charts/fractalops-portal",
             namespace="fractalops-dev", image=portal, autoscaling=(1, 4),
             values=["charts/fractalops-portal/values-dev.yaml"],
             canonical=("fractalops-portal", "fractalops"))
if cfg.get("worker"):
    helm_release("worker", release="fractalops-worker-dev", chart="charts/fractalops-worker",
                 namespace="fractalops-dev", image=runtime, autoscaling=(1, 4),
                 values=["charts/fractalops-worker/values-dev.yaml"],
                 canonical=("fractalops-worker", "fractalops"))

# --- port-forward and smokes (docs/smoke.md) -----------------------------------
# The portal's dev release on 127.0.0.1:8080 (kubectl port-forward: a
# diagnostic the guard allows), its real routes checked, and with `-- --e2e`
# a real Chromium smoke that writes output/playwright/tilt-portal-smoke.png
# (manual: `fops ci portal-e2e-smoke -- --e2e`, or `fops trigger` in a session).
port_forward("portal-forward", target="svc/fractalops-portal-dev", namespace="fractalops-dev",
             local_port=8080, remote_port=80, resource_deps=["portal"])
http_smoke("routes", base="http://127.0.0.1:8080", routes=["/", "/api/health"],
           resource_deps=["portal-forward", "api"])
if cfg.get("e2e"):
    browser_smoke("portal-e2e-smoke", url="http://127.0.0.1:8080/",
                  screenshot="output/playwright/tilt-portal-smoke.png",
                  trigger_mode=TRIGGER_MODE_MANUAL, resource_deps=["portal-forward"])

# `fops mode deploy` stops the session, syncs these with Argo CD and waits
# until each is Synced and Healthy (ARGOCD_SERVER / ARGOCD_AUTH_TOKEN).
argocd_apps(["fractalops-api", "fractalops-portal", "fractalops-worker"])
