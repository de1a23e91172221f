"""helm_release() in a Tiltfile: the exact `helm upgrade --install` argv
through the scripted executor (golden), the automatic dependency on the
image build and its pushed reference, scripted runs that record nothing,
development-mode refusals naming the Tiltfile line, autoscaling bounds, and
staging mode rendering the canonical release."""
import subprocess
import sys
import textwrap

import pytest

import fops
from fixtures.fractalops_repo import fractalops_repo  # noqa: F401  (pytest fixture)
from fops import policy, testing


@pytest.fixture
def repo(fractalops_repo):  # noqa: F811
    return fractalops_repo


def write(root, text):
    path = root / "Tiltfile.py"
    path.write_text(textwrap.dedent(text))
    return str(path)


API = """\
    helm_release("api", release="fractalops-api-dev", chart="charts/fractalops-api",
                 namespace="fractalops-dev", image="ghcr.io/yamonco/fractalops-runtime:dev-1a2b",
                 values=["charts/fractalops-api/values-dev.yaml"], set={"env.LOG_LEVEL": "debug",
                 "replicaCount": 3, "debug": True}, autoscaling=(2, 6))
"""

API_ARGV = ["helm", "upgrade", "--install", "fractalops-api-dev", "charts/fractalops-api",
            "--namespace", "fractalops-dev", "-f", "charts/fractalops-api/values-dev.yaml",
            "--set", "env.LOG_LEVEL=debug", "--set", "replicaCount=3", "--set", "debug=true",
            "--set-string", "image.repository=ghcr.io/yamonco/fractalops-runtime",
            "--set-string", "image.tag=dev-1a2b",
            "--set", "autoscaling.enabled=true", "--set", "autoscaling.minReplicas=2",
            "--set", "autoscaling.maxReplicas=6", "--wait", "--timeout", "5m"]


def test_upgrade_argv_golden_through_the_scripted_executor(repo):
    tiltfile = write(repo, API)
    executor = testing.ScriptedExecutor()
    result = testing.run_tiltfile(tiltfile, executor)
    assert result.ok, result.summary()
    assert executor.calls == [API_ARGV]
    assert executor.specs[0].dir == str(repo)
    project = fops.load(tiltfile)
    api = project.resource("api")
    assert api.kind == "helm"
    assert api.declared_at == f"{tiltfile}:1"


def test_scripted_upgrades_are_never_recorded(repo):
    """Nothing was upgraded, so a later run has nothing to skip over."""
    tiltfile = write(repo, API)
    for _ in range(2):
        executor = testing.ScriptedExecutor()
        result = testing.run_tiltfile(tiltfile, executor)
        assert result["api"].status == fops.ResourceStatus.SUCCEEDED
        assert result["api"].reason == "updated: no previous build"
        assert executor.calls == [API_ARGV]
    assert not (repo / ".fops" / "helm").exists()


def test_depends_on_the_image_build_and_gets_its_reference(repo):
    tiltfile = write(repo, """\
        plane = build_plane("ops/infra/topology/lxc-pve-lab.yaml")
        runtime = image_build("runtime", context=".", dockerfile="docker/runtime.Dockerfile",
                              plane=plane)
        helm_release("api", release="fractalops-api-dev", chart="charts/fractalops-api",
                     namespace="fractalops-dev", image=runtime, autoscaling=(2, 6))
        helm_release("worker", release="fractalops-worker-dev", chart="charts/fractalops-worker",
                     namespace="fractalops-dev", image=runtime, image_key="image.ref")
    """)
    project = fops.load(tiltfile)
    image = project.resource("runtime-image")
    ref = image.inputs.produces
    assert ref.startswith("ghcr.io/yamonco/fractalops-runtime:dev-")
    api = project.resource("api")
    assert api.resource_deps == ["runtime-image"]
    repository, tag = ref.rsplit(":", 1)
    assert f"image.repository={repository}" in api.cmd.argv
    assert f"image.tag={tag}" in api.cmd.argv
    assert f"image.ref={ref}" in project.resource("worker").cmd.argv
    executor = testing.ScriptedExecutor()
    assert testing.run_tiltfile(tiltfile, executor, resources=["api"]).ok
    assert [c[0] for c in executor.calls][-1] == "helm"  # after the image's build and push


@pytest.mark.parametrize("declaration, rule", [
    ('release="fractalops-api", namespace="fractalops-dev"', "helm-dev-release"),
    ('release="fractalops-api-dev", namespace="fractalops"', "helm-dev-namespace"),
    ('release="site-dev", namespace="preview-site"', "preview-namespace"),
])
def test_development_mode_refuses_before_anything_runs(repo, declaration, rule):
    tiltfile = write(repo, f"""\
        local_resource("build", cmd="make")
        helm_release("api", chart="charts/fractalops-api", {declaration})
    """)
    with pytest.raises(fops.PolicyError) as error:
        fops.load(tiltfile)
    assert str(error.value).startswith(f"{tiltfile}:2: helm_release('api'): refused by guard "
                                       f"rule {rule}: ")
    result = subprocess.run([sys.executable, "-m", "fops", "ci", "-f", tiltfile],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    assert result.returncode == 3
    assert f"rule {rule}" in result.stderr


def test_dev_false_is_refused_in_development_mode(repo):
    tiltfile = write(repo, """\
        helm_release("api", release="fractalops-api-dev", chart="charts/fractalops-api",
                     namespace="fractalops-dev", dev=False)
    """)
    with pytest.raises(fops.PolicyError, match=r"Tiltfile.py:1: helm_release\('api'\): release "
                                               r"'fractalops-api-dev' is declared dev=False"):
        fops.load(tiltfile)


def test_guard_settings_apply_to_releases_declared_before(repo):
    tiltfile = write(repo, """\
        helm_release("api", release="fractalops-api-dev", chart="charts/fractalops-api",
                     namespace="fractalops-dev")
        guard_settings(dev_namespaces=["team-dev"])
    """)
    with pytest.raises(fops.PolicyError, match=r"Tiltfile.py:1: .*helm-dev-namespace"):
        fops.load(tiltfile)
    write(repo, """\
        guard_settings(dev_namespaces=["team-dev"], dev_releases=["scratch"])
        helm_release("api", release="scratch", chart="charts/fractalops-api", namespace="team-dev")
    """)
    assert fops.load(tiltfile).resource("api").kind == "helm"


@pytest.mark.parametrize("arguments, message", [
    ("autoscaling=(7, 6)", "autoscaling: min_replicas 7 is greater than max_replicas 6 "
                           "(expected 1 <= min <= max)"),
    ("autoscaling=(0, 4)", "autoscaling: min_replicas must be at least 1, got 0"),
    ("autoscaling=(2, '6')", "argument 'autoscaling': expected a pair (int, int)"),
    ("set={'image.tag': 'x'}, image='ghcr.io/a/b:dev-1'", "set: 'image.tag' is set by fops from "
                                                          "image="),
    ("image='ghcr.io/a/b'", "image: 'ghcr.io/a/b' has neither tag nor digest"),
    ("values=['missing.yaml']", "argument 'values': no such file 'missing.yaml'"),
    ("flags=['--reuse-values']", "--reuse-values would keep values fops did not state"),
    ("unknown=1", "unexpected argument 'unknown'"),
])
def test_bad_arguments_name_the_line_and_field(repo, arguments, message):
    tiltfile = write(repo, f"""\
        # a comment
        helm_release("api", release="fractalops-api-dev", chart="charts/fractalops-api",
                     namespace="fractalops-dev", {arguments})
    """)
    with pytest.raises(fops.ConfigError) as error:
        fops.load(tiltfile)
    assert str(error.value).startswith(f"{tiltfile}:2: helm_release('api'): ")
    assert message in str(error.value)


def test_missing_chart_and_namespace(repo):
    tiltfile = write(repo, 'helm_release("api", release="a-dev", chart="charts/nope", '
                           'namespace="fractalops-dev")\n')
    with pytest.raises(fops.ConfigError, match="argument 'chart': no chart at 'charts/nope'"):
        fops.load(tiltfile)
    write(repo, 'helm_release("api", release="a-dev", chart="charts/fractalops-api")\n')
    with pytest.raises(fops.ConfigError, match="argument 'namespace': required"):
        fops.load(tiltfile)


def test_staging_mode_renders_the_canonical_release_and_runs_it_only_when_named(repo):
    tiltfile = write(repo, """\
        helm_release("api", release="fractalops-api-dev", chart="charts/fractalops-api",
                     namespace="fractalops-dev", image="ghcr.io/yamonco/x:staging-1",
                     canonical=("fractalops-api", "fractalops"))
        helm_release("portal", release="fractalops-portal-dev", chart="charts/fractalops-portal",
                     namespace="fractalops-dev")
    """)
    project = fops.load(tiltfile, mode="staging")
    api = project.resource("api")
    assert api.cmd.argv[3:7] == ["fractalops-api", "charts/fractalops-api", "--namespace",
                                 "fractalops"]
    assert not api.auto_init
    portal = project.resource("portal")
    assert portal.cmd.argv[3] == "fractalops-portal-dev" and not portal.auto_init
    # The staging guard lets only named canonical releases through.
    guard = policy.guard_for(project.context, staging_targets=[("fractalops-api", "fractalops")])
    assert guard.refusal(api.cmd.argv) is None
    assert guard.refusal(portal.cmd.argv)[0] == "helm-staging-target"
    assert policy.guard_for(project.context).refusal(api.cmd.argv)[0] == "helm-staging-target"
