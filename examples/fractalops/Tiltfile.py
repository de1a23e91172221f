# The FractalOps dev loop as a fops Tiltfile (first part: the images).
# Every image gets its registry, tag and cache scope from the build plane;
# the Helm dev releases, the port-forward and the smokes follow (see
# /work/shared/sketch/Tiltfile.py) and receive each image's pushed
# reference as `runtime.ref` / `runtime.repository` + `runtime.tag`.
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
cfg = config.parse()                     # fops up -- --worker

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

# `fops mode deploy` stops the session, syncs these with Argo CD and waits
# until each is Synced and Healthy (ARGOCD_SERVER / ARGOCD_AUTH_TOKEN).
argocd_apps(["fractalops-api", "fractalops-portal", "fractalops-worker"])
