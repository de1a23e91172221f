# The FractalOps dev loop (README.md): each image is built and pushed to
# the final registry, its Helm dev release upgraded in fractalops-dev, the
# portal forwarded to 127.0.0.1 and smoked: its routes, and in a real
# browser (screenshot output/playwright/tilt-portal-smoke.png).
#
#   make tilt-up                                   # fops up: build, deploy, serve
#   make tilt-ci TILT_ARGS="-- --e2e"              # once, the browser smoke included
#   fops ci runtime / fops trigger portal          # one image and its dev release
#
# FRACTALOPS_SITE chooses the build plane and the cluster:
#   lxc-pve-lab (default)  ops/infra/topology/lxc-pve-lab.yaml: GHCR, the Nexus
#                          mirror and build cache, the lab's kube context
#   local                  .local/topology.yaml of `make local-up`: loopback
#                          registries, the local control plane (context fops-local)
#   SITE                   ops/infra/topology/SITE.yaml and SITE_CONTEXTS[SITE]
import os

from fops.tiltfile import *

config.define_bool("worker", usage="also the worker's dev release")
config.define_bool("agent_server", usage="serve the API module on this machine as the agent server")
config.define_bool("e2e", usage="run the browser smoke in the run (else: fops trigger portal-e2e-smoke)")
cfg = config.parse()                     # fops up -- --worker --agent_server --e2e

SITE = os.environ.get("FRACTALOPS_SITE", "lxc-pve-lab")
LOCAL = SITE == "local"
NS = "fractalops-dev"
PORTAL_PORT = int(os.environ.get("FRACTALOPS_PORTAL_PORT", "8080"))  # the port-forward's

# The kube context each site's dev releases may go to. fops deploys to a
# local cluster (the local site's fops-local) without being told; any other
# current context must be allowed here, or the load stops before anything
# runs. A site of your own: its topology file, and its context here.
SITE_CONTEXTS = {"lxc-pve-lab": ["lxc-pve-lab"]}

plane = build_plane(".local/topology.yaml" if LOCAL else f"ops/infra/topology/{SITE}.yaml")
if SITE in SITE_CONTEXTS:
    allow_k8s_contexts(SITE_CONTEXTS[SITE])

# --- images and their dev releases (fops docs: build-plane.md, helm.md) --------
# Registry, tag, cache scope, context and Dockerfile come from the plane. A
# release gets its image's pushed reference; `canonical=` names the release
# Argo CD owns, which only `fops mode staging TARGET` may upgrade.
runtime_image = image_build("runtime")
portal_image = image_build("portal")


def dev_release(name, chart, image, autoscaling, deps=()):
    helm_release(name, release=f"{chart}-dev", chart=f"charts/{chart}", namespace=NS,
                 image=image, autoscaling=autoscaling, values=[f"charts/{chart}/values-dev.yaml"],
                 canonical=(chart, "fractalops"), resource_deps=list(deps))


dev_release("runtime", "fractalops-api", runtime_image, (2, 6))
dev_release("portal", "fractalops-portal", portal_image, (1, 4), deps=["runtime"])
if cfg.get("worker"):
    dev_release("worker", "fractalops-worker", runtime_image, (1, 4), deps=["runtime"])

# --- the portal on 127.0.0.1, and its smokes (fops docs: smoke.md) --------------
forward_deps = ["portal"]
if LOCAL:
    # No container runs on the local cluster: serve what the portal image
    # holds (pulled with the login, layers unpacked) with this machine's
    # node; kwok sends the Service's port-forward there (`make local-up`).
    local_port = int(os.environ.get("FRACTALOPS_PORTAL_LOCAL_PORT", "18080"))
    local_resource("portal-local", serve_cmd=["python3", "local/portal_image.py",
                                              portal_image.ref, "--port", str(local_port)],
                   resource_deps=[portal_image],
                   readiness_probe=probe(http_get=http_get_action(local_port, path="/healthz")))
    forward_deps.append("portal-local")
port_forward("portal-forward", target="svc/fractalops-portal-dev", namespace=NS,
             local_port=PORTAL_PORT, remote_port=80, resource_deps=forward_deps)
http_smoke("routes", base=f"http://127.0.0.1:{PORTAL_PORT}", routes=["/", "/api/health"],
           expect_text={"/api/health": '"status":"ok"'}, resource_deps=["portal-forward"])
browser_smoke("portal-e2e-smoke", url=f"http://127.0.0.1:{PORTAL_PORT}/",
              wait_for='#status[data-status="ok"]', expect_text="FractalOps portal",
              screenshot="output/playwright/tilt-portal-smoke.png", resource_deps=["routes"],
              trigger_mode=TRIGGER_MODE_AUTO if cfg.get("e2e") else TRIGGER_MODE_MANUAL)

# --- the agent server: the API module, here (`-- --agent_server`) ---------------
if cfg.get("agent_server"):
    agent_port = int(os.environ.get("FRACTALOPS_AGENT_PORT", "8765"))
    local_resource("agent-server", serve_cmd=["python3", "-m", "fractalops.api"], deps=["src"],
                   serve_env={"PYTHONPATH": "src", "PYTHONDONTWRITEBYTECODE": "1",
                              "HOST": "127.0.0.1", "PORT": str(agent_port),
                              "FRACTALOPS_ROLE": "agent-server"},
                   readiness_probe=probe(http_get=http_get_action(agent_port, path="/healthz")),
                   links=[link(f"http://127.0.0.1:{agent_port}/api/health", "agent server")])

# --- back to Argo CD (fops docs: modes.md) ---------------------------------------
# `fops trigger deploy-mode` runs `make deploy-mode` (fops mode deploy): it
# stops this session, syncs the canonical apps and waits until each is
# Synced and Healthy (ARGOCD_SERVER, ARGOCD_AUTH_TOKEN); its lines go to
# .fops/mode-deploy.log, since the session they would show in has stopped.
local_resource("deploy-mode", cmd="make deploy-mode", trigger_mode=TRIGGER_MODE_MANUAL,
               auto_init=False)
argocd_apps(["fractalops-api", "fractalops-portal", "fractalops-worker"])
