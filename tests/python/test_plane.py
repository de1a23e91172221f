"""The build plane from Python: image references, the topology contract,
`fops plane env`, image_build in a Tiltfile (argv through a scripted
executor), skip-if-unchanged, and the staging build-only channel."""
import json
import os
import subprocess
import sys
import textwrap

import pytest

import fops
from fops import hooks, transitions
from fops.testing import ScriptedExecutor, run_tiltfile

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LAB = os.path.join(REPO, "examples", "fractalops", "ops", "infra", "topology", "lxc-pve-lab.yaml")

PLANE = """\
version: 1
project: fractalops
registries:
  ghcr:
    role: final
    host: ghcr.io
    namespace: yamonco
  mirror:
    role: mirror
    host: nexus.nexus.svc:8083
    mirrors: [docker.io, ghcr.io]
  cache:
    role: cache
    host: nexus.nexus.svc:8082
    tls_verify: false
stages:
  dev:
    tag: dev-{inputs}
  staging:
    tag: staging-{inputs}
targets:
  runtime:
    context: .
    dockerfile: docker/runtime.Dockerfile
  portal:
    context: portal
builder:
  buildah:
    storage_driver: vfs
"""


def fops_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "fops", *args], cwd=cwd, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A repo with a plane, two contexts and a Tiltfile whose body the test writes."""
    monkeypatch.delenv("FOPS_CACHE_IMPORT", raising=False)
    monkeypatch.delenv("FOPS_CACHE_EXPORT", raising=False)
    monkeypatch.setenv("FOPS_STATE_DIR", str(tmp_path / ".fops"))
    (tmp_path / "plane.yaml").write_text(PLANE)
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "runtime.Dockerfile").write_text("FROM python:3.11-slim\nCOPY . /app\n")
    (tmp_path / "app.py").write_text("print('hi')\n")
    (tmp_path / "portal").mkdir()
    (tmp_path / "portal" / "Dockerfile").write_text("FROM node:20\nCOPY . /srv\n")
    (tmp_path / "portal" / ".dockerignore").write_text("node_modules\n")
    (tmp_path / "portal" / "index.js").write_text("console.log(1)\n")

    def write(body):
        path = tmp_path / "Tiltfile.py"
        path.write_text("from fops.tiltfile import *\n" + textwrap.dedent(body))
        return str(path)

    write.root = tmp_path
    return write


# --- image references -----------------------------------------------------

def test_image_ref_parses_and_normalises():
    ref = fops.ImageRef.parse("localhost:5000/team/app:dev-1")
    assert (ref.domain, ref.path, ref.tag, ref.digest) == ("localhost:5000", "team/app", "dev-1", "")
    assert str(fops.ImageRef.parse("ubuntu")) == "docker.io/library/ubuntu"
    assert fops.ImageRef.parse("[::1]:5000/x@sha256:" + "a" * 64).digest == "sha256:" + "a" * 64
    assert fops.ImageRef.parse("docker.io/library/ubuntu:22.04").familiar == "ubuntu:22.04"


@pytest.mark.parametrize("text, why", [
    ("Ubuntu", 'path component "Ubuntu": must be lowercase'),
    ("app:-x", "must start with a letter, digit or '_'"),
    ("app@sha256:abc", "sha256 needs 64 hex digits, found 3"),
    ("host:99999/app", "port 99999 is not in 1-65535"),
])
def test_a_bad_image_ref_is_a_config_error_naming_the_part(text, why):
    with pytest.raises(fops.ConfigError, match="invalid image reference") as info:
        fops.ImageRef.parse(text)
    assert why in str(info.value)


# --- the topology -----------------------------------------------------------

def test_the_lab_plane_loads_with_the_seeds_scopes():
    plane = fops.BuildPlane.load(LAB)
    assert plane.project == "fractalops"
    assert plane.final_registry.host == "ghcr.io"
    assert [m.host for m in plane.mirrors] == ["nexus.nexus.svc:8083"]
    assert plane.cache_registry.role == "cache"
    assert plane.scope_for("dev", "runtime").ref == "nexus.nexus.svc:8082/fractalops/buildcache/dev/runtime"
    assert str(fops.CacheScope.make("nexus.nexus.svc:8082", "fractalops", "staging", "portal")) == \
        "nexus.nexus.svc:8082/fractalops/buildcache/staging/portal"
    assert not plane.find_stage("dev").cache_import
    assert plane.tag_policy.is_release("v1.2.3")


def test_topology_errors_name_file_line_column_and_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(PLANE.replace("role: final", "role: push"))
    with pytest.raises(fops.ConfigError) as info:
        fops.BuildPlane.load(str(bad))
    assert f"{bad}:5:11: registries.ghcr.role: expected one of final, mirror, cache; got \"push\"" \
        in str(info.value)
    bad.write_text(PLANE.replace("    tls_verify: false", "    tls_verfy: false"))
    with pytest.raises(fops.ConfigError, match="unknown key 'tls_verfy'"):
        fops.BuildPlane.load(str(bad))


def test_a_plane_using_the_final_registry_as_cache_is_refused(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(PLANE.replace("host: nexus.nexus.svc:8082", "host: ghcr.io"))
    with pytest.raises(fops.PolicyError, match="refused by rule final-images-only"):
        fops.BuildPlane.load(str(bad))


# --- fops plane env ---------------------------------------------------------

def test_plane_env_is_evalable_in_bash():
    plane = fops.BuildPlane.load(LAB)
    expected = dict(plane.environment())
    script = (f'eval "$({sys.executable} -m fops plane env {LAB})" && '
              'env | grep "^FOPS_PLANE_" | sort')
    out = subprocess.run(["bash", "-c", script], text=True, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, check=True, timeout=60).stdout
    got = dict(line.split("=", 1) for line in out.splitlines())
    assert got == expected
    # Values with spaces, braces, backslashes and '$' survive the shell.
    assert got["FOPS_PLANE_TARGETS"] == "runtime portal daytona-workspace"
    assert got["FOPS_PLANE_STAGE_DEV_TAG_TEMPLATE"] == "dev-{git}-{inputs}"
    assert got["FOPS_PLANE_RELEASE_TAG_PATTERN"].endswith("$")
    assert got["FOPS_PLANE_CACHE_SCOPE_STAGING_DAYTONA_WORKSPACE"] == \
        "nexus.nexus.svc:8082/fractalops/buildcache/staging/daytona-workspace"


def test_plane_env_json_and_errors(tmp_path):
    out = fops_cli("plane", "env", LAB, "--format", "json")
    assert out.returncode == 0, out.stderr
    env = json.loads(out.stdout)
    assert env["FOPS_PLANE_MIRROR_UPSTREAMS"] == "docker.io ghcr.io"
    assert env["FOPS_PLANE_STAGE_DEV_CACHE_EXPORT"] == "false"
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nproject: demo\nregistries:\n  x:\n    role: final\n"
                   "stages:\n  dev:\ntargets:\n  app:\n")
    out = fops_cli("plane", "env", str(bad))
    assert out.returncode == 2
    assert f"fops: {bad}:4:3: registries.x: missing required key 'host'" in out.stderr


# --- image_build in a Tiltfile -------------------------------------------------

def test_image_build_compiles_to_the_exact_builder_argv(repo):
    tiltfile = repo("""
        plane = build_plane("plane.yaml")
        runtime = image_build("runtime", build_args={"PY": "3.11"})
        portal = image_build("portal", builder="buildx", cache_import=True)
        local_resource("smoke", cmd=["echo", runtime.ref], resource_deps=[runtime, portal])
    """)
    project = fops.load(tiltfile)
    runtime = project.resource("runtime-image")
    assert runtime.kind == "image"
    ref = runtime.inputs.produces
    assert ref.startswith("ghcr.io/yamonco/runtime:dev-") and len(ref.split(":dev-")[1]) == 12
    assert list(runtime.cmd.argv) == [
        "buildah", "--storage-driver", "vfs", "build", "--isolation", "chroot", "--layers",
        "-f", "docker/runtime.Dockerfile", "-t", ref, "--build-arg", "PY=3.11", "."]
    assert [list(c.argv) for c in runtime.then_cmds] == [
        ["buildah", "--storage-driver", "vfs", "push", "--tls-verify=true", ref]]
    portal = project.resource("portal-image")
    assert list(portal.cmd.argv)[:3] == ["docker", "buildx", "build"]
    assert "type=registry,ref=nexus.nexus.svc:8082/fractalops/buildcache/dev/portal" in portal.cmd.argv
    assert "portal/node_modules" in portal.inputs.ignore
    smoke = project.resource("smoke")
    assert list(smoke.resource_deps) == ["runtime-image", "portal-image"]
    assert list(smoke.cmd.argv) == ["echo", ref]  # other resources receive the pushed ref

    ex = ScriptedExecutor()
    result = run_tiltfile(tiltfile, ex)
    assert result.ok
    assert ex.calls[0][:4] == ["buildah", "--storage-driver", "vfs", "build"]


def test_image_exposes_its_reference_for_helm(repo):
    tiltfile = repo("""
        build_plane("plane.yaml")
        img = image_build("runtime", tag="manual-1")
        local_resource("show", cmd=["echo", img.repository, img.tag, str(img.image_ref), img.name])
    """)
    project = fops.load(tiltfile)
    assert list(project.resource("show").cmd.argv) == [
        "echo", "ghcr.io/yamonco/runtime", "manual-1", "ghcr.io/yamonco/runtime:manual-1",
        "runtime-image"]


def test_staging_mode_uses_staging_tags_and_scopes(repo):
    tiltfile = repo("""
        build_plane("plane.yaml")
        image_build("runtime")
    """)
    project = fops.load(tiltfile, mode="staging")
    argv = list(project.resource("runtime-image").cmd.argv)
    assert any(a.startswith("ghcr.io/yamonco/runtime:staging-") for a in argv)
    scope = "nexus.nexus.svc:8082/fractalops/buildcache/staging/runtime"
    assert argv[argv.index("--cache-from") + 1] == scope
    assert argv[argv.index("--cache-to") + 1] == scope
    assert "--tls-verify=false" in argv


def test_a_flag_turns_the_dev_cache_on(repo, monkeypatch):
    tiltfile = repo("""
        build_plane("plane.yaml")
        image_build("runtime")
    """)
    assert "--cache-from" not in fops.load(tiltfile).resource("runtime-image").cmd.argv
    monkeypatch.setenv("FOPS_CACHE_IMPORT", "1")
    argv = list(fops.load(tiltfile).resource("runtime-image").cmd.argv)
    assert argv[argv.index("--cache-from") + 1] == \
        "nexus.nexus.svc:8082/fractalops/buildcache/dev/runtime"
    assert "--cache-to" not in argv


@pytest.mark.parametrize("body, message", [
    ('image_build("runtime")', "no build plane: call build_plane("),
    ('build_plane("plane.yaml")\nimage_build("api")',
     "target 'api' is not in the build plane"),
    ('build_plane("plane.yaml")\nimage_build("runtime", repository="nexus.nexus.svc:8082/x")',
     "refused by rule cache-only"),
    ('build_plane("plane.yaml")\nimage_build("runtime", tag="v1.0.0")',
     "refused by rule release-tags-immutable"),
    ('build_plane("plane.yaml")\nimage_build("runtime", builder="kaniko")',
     "argument 'builder': expected one of buildah, buildx, buildctl"),
    ('build_plane("missing.yaml")', "missing.yaml: no such topology file"),
])
def test_tiltfile_errors_name_the_line(repo, body, message):
    tiltfile = repo(body)
    with pytest.raises(fops.ConfigError) as info:
        fops.load(tiltfile)
    assert message in str(info.value)
    lines = body.count("\n") + 2
    assert f"Tiltfile.py:{lines}:" in str(info.value)


# --- skip-if-unchanged through the engine -------------------------------------

def test_scripted_runs_never_skip_and_leave_the_repo_untouched(repo):
    """A scripted run builds nothing, so nothing of it is recorded: every
    run says there is no previous build, and the repo's state directory is
    not written, even when a harness points the run at it."""
    tiltfile = repo("""
        build_plane("plane.yaml")
        image_build("portal", tag="dev-fixed")
    """)
    ex = ScriptedExecutor()
    for _ in range(2):
        result = run_tiltfile(tiltfile, ex)
        assert result["portal-image"].status == fops.ResourceStatus.SUCCEEDED
        assert result["portal-image"].reason == "rebuilt: no previous build"
    assert len(ex.calls) == 4  # build, push; twice
    state = repo.root / ".fops"
    assert not state.exists()  # the harness kept its state elsewhere
    again = run_tiltfile(tiltfile, ex, state_dir=str(state))
    assert again["portal-image"].reason == "rebuilt: no previous build"
    assert list(state.rglob("*.json")) == []  # no record (file-hash caches aside)
    assert not (state / "events.jsonl").exists()


def test_update_gate_hook_is_bound_to_the_state_dir(repo):
    tiltfile = repo("""
        build_plane("plane.yaml")
        image_build("portal")
    """)
    project = fops.load(tiltfile)
    gate = hooks.update_gate(project.context)
    assert isinstance(gate, fops.UpdateGate)
    decision = gate.check(project.resource("portal-image"))
    assert decision.run and decision.reason == "rebuilt: no previous build"
    assert gate.state_path(project.resource("portal-image")) == \
        str(repo.root / ".fops" / "images" / "portal-image.json")


# --- the staging channel ------------------------------------------------------

STAGING_TILTFILE = """
    build_plane("plane.yaml")
    runtime = image_build("runtime")
    portal = image_build("portal")
    local_resource("api", cmd="helm upgrade --install fractalops-api-dev charts/api "
                   "--set image.tag=" + runtime.tag, resource_deps=[runtime])
    local_resource("forward", serve_cmd="kubectl -n fractalops-dev port-forward svc/portal 8080:80",
                   resource_deps=[portal])
"""


def test_staging_build_only_builds_and_pushes_images(repo):
    tiltfile = repo(STAGING_TILTFILE)
    ex = ScriptedExecutor()
    result = transitions.staging_build(tiltfile, [], executor=ex)
    assert result.ok
    commands = ex.commands()
    assert commands, "nothing was built"
    assert not [c for c in commands if "helm" in c or "kubectl" in c]
    assert all(c.startswith("buildah ") for c in commands)
    assert sorted(spec.resource for spec in ex.specs) == \
        ["portal-image", "portal-image", "runtime-image", "runtime-image"]
    builds = [c for c in ex.calls if c[3] == "build"]
    for argv in builds:
        tag = argv[argv.index("-t") + 1]
        assert ":staging-" in tag
        assert argv[argv.index("--cache-to") + 1].startswith(
            "nexus.nexus.svc:8082/fractalops/buildcache/staging/")


def test_staging_build_of_one_target(repo):
    tiltfile = repo(STAGING_TILTFILE)
    ex = ScriptedExecutor()
    assert transitions.staging_build(tiltfile, ["runtime"], executor=ex).ok
    assert {spec.resource for spec in ex.specs} == {"runtime-image"}
    with pytest.raises(fops.ConfigError, match="no image build for 'worker'"):
        transitions.staging_build(tiltfile, ["worker"], executor=ScriptedExecutor())


def test_staging_build_refuses_images_that_need_the_cluster(repo):
    tiltfile = repo("""
        build_plane("plane.yaml")
        r = local_resource("chart", cmd="helm template charts/api")
        r.kind = "helm"
        image_build("runtime", resource_deps=["chart"])
    """)
    ex = ScriptedExecutor()
    with pytest.raises(fops.PolicyError, match="never touches the cluster.*chart \\(helm\\)"):
        transitions.staging_build(tiltfile, [], executor=ex)
    assert ex.calls == []


def test_fops_plan_prints_the_argv_and_records_nothing(repo):
    tiltfile = repo("""
        build_plane("plane.yaml")
        image_build("portal", tag="dev-fixed")
    """)
    out = fops_cli("plan", "-f", tiltfile)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "buildah --storage-driver vfs build --isolation chroot --layers -f portal/Dockerfile "
        "-t ghcr.io/yamonco/portal:dev-fixed portal",
        "buildah --storage-driver vfs push --tls-verify=true ghcr.io/yamonco/portal:dev-fixed"]
    assert not (repo.root / ".fops").exists()  # a dry run writes nothing at all
    again = fops_cli("plan", "-f", tiltfile)
    assert again.stdout == out.stdout
