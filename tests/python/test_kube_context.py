"""The cluster is pinned: every Helm command fops renders carries the kube
context that was current when the Tiltfile was loaded (and its
kubeconfig), and a current context that is not a local cluster and not
allowed with allow_k8s_contexts is refused before anything runs."""
import os
import subprocess
import sys
import textwrap

import pytest

import fops
from fixtures.fractalops_repo import fractalops_repo  # noqa: F401  (pytest fixture)
from fops import testing

KUBECONFIG = """\
apiVersion: v1
kind: Config
current-context: {current}
clusters:
- name: local
  cluster: {{server: "https://127.0.0.1:6443"}}
- name: lab
  cluster: {{server: "https://10.0.3.20:6443"}}
contexts:
- name: fops-local
  context: {{cluster: local, user: admin}}
- name: lab-prod
  context: {{cluster: lab, user: admin}}
users:
- name: admin
  user: {{token: not-a-real-token}}
"""

RELEASE = """\
helm_release("api", release="fractalops-api-dev", chart="charts/fractalops-api",
             namespace="fractalops-dev", image="ghcr.io/yamonco/fractalops-runtime:dev-1a2b")
"""


@pytest.fixture
def repo(fractalops_repo, monkeypatch):  # noqa: F811
    def write(tiltfile, current="fops-local"):
        kubeconfig = fractalops_repo / "kubeconfig"
        kubeconfig.write_text(KUBECONFIG.format(current=current))
        monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
        path = fractalops_repo / "Tiltfile.py"
        path.write_text(textwrap.dedent(tiltfile))
        return str(path)
    write.root = fractalops_repo
    return write


def test_every_helm_command_carries_the_context_it_was_planned_for(repo):
    tiltfile = repo(RELEASE + "print('context:', k8s_context())\n")
    executor = testing.ScriptedExecutor()
    assert testing.run_tiltfile(tiltfile, executor).ok
    argv = executor.calls[0]
    assert argv[:7] == ["helm", "upgrade", "--install", "fractalops-api-dev",
                        "charts/fractalops-api", "--namespace", "fractalops-dev"]
    assert argv[7:11] == ["--kube-context", "fops-local",
                          "--kubeconfig", str(repo.root / "kubeconfig")]
    project = fops.load(tiltfile)
    assert project.resource("api").inputs.values["kube_context"] == "fops-local"


def test_a_context_that_is_not_allowed_is_refused_before_anything_runs(repo):
    tiltfile = repo("local_resource('first', cmd='touch first-ran')\n" + RELEASE,
                    current="lab-prod")
    with pytest.raises(fops.PolicyError) as refused:
        fops.load(tiltfile)
    message = str(refused.value)
    assert message.startswith(f"{tiltfile}:2: helm_release('api'): the current kube context "
                              f"'lab-prod' (https://10.0.3.20:6443) is not allowed")
    assert "allow_k8s_contexts('lab-prod')" in message
    out = subprocess.run([sys.executable, "-m", "fops", "ci", "-f", tiltfile], text=True,
                         capture_output=True, timeout=120, cwd=repo.root)
    assert out.returncode == 3, out.stdout + out.stderr
    assert "'lab-prod'" in out.stderr
    assert not (repo.root / "first-ran").exists()


def test_allow_k8s_contexts_lets_the_loop_deploy_there(repo):
    tiltfile = repo("allow_k8s_contexts(['lab-prod'])\n" + RELEASE, current="lab-prod")
    executor = testing.ScriptedExecutor()
    assert testing.run_tiltfile(tiltfile, executor).ok
    assert executor.calls[0][7:9] == ["--kube-context", "lab-prod"]
    # Allowing after the release is declared counts too: the check runs at the end.
    tiltfile = repo(RELEASE + "allow_k8s_contexts('lab-prod')\n", current="lab-prod")
    assert fops.load(tiltfile).resource("api")
    with pytest.raises(fops.ConfigError, match=r"Tiltfile.py:1: allow_k8s_contexts: argument"):
        fops.load(repo("allow_k8s_contexts(3)\n"))


def test_a_release_may_name_its_own_context(repo):
    tiltfile = repo(RELEASE.replace(")\n", ", kube_context='lab-prod', kubeconfig='kc')\n"),
                    current="lab-prod")
    executor = testing.ScriptedExecutor()
    assert testing.run_tiltfile(tiltfile, executor).ok
    assert executor.calls[0][7:11] == ["--kube-context", "lab-prod",
                                       "--kubeconfig", str(repo.root / "kc")]


def test_without_a_kubeconfig_nothing_is_pinned(repo, monkeypatch):
    tiltfile = repo(RELEASE + "print('context:', repr(k8s_context()))\n")
    monkeypatch.setenv("KUBECONFIG", str(repo.root / "no-such-kubeconfig"))
    executor = testing.ScriptedExecutor()
    assert testing.run_tiltfile(tiltfile, executor).ok
    assert "--kube-context" not in executor.calls[0]


def test_a_broken_kubeconfig_names_its_line(repo, monkeypatch):
    tiltfile = repo(RELEASE)
    broken = repo.root / "broken-kubeconfig"
    broken.write_text("contexts: {a: 1}\n")
    monkeypatch.setenv("KUBECONFIG", str(broken))
    with pytest.raises(fops.ConfigError, match=f"{broken}:1:11: contexts: expected a list"):
        fops.load(tiltfile)


def test_switching_context_is_seen_by_the_next_run(repo):
    """The plan cache replays a load only while the kubeconfig it read is
    unchanged: after `kubectl config use-context` the Tiltfile loads again."""
    tiltfile = repo("allow_k8s_contexts('lab-prod')\n"
                    "local_resource('where', cmd=['echo', 'deploying to', k8s_context()])\n")
    fops_cmd = os.path.join(os.path.dirname(sys.executable), "fops")
    env = dict(os.environ, FOPS_PLAN_CACHE="explain", FOPS_STATE_DIR=str(repo.root / ".state"))
    runs = []
    for current in ("fops-local", "fops-local", "lab-prod"):
        (repo.root / "kubeconfig").write_text(KUBECONFIG.format(current=current))
        out = subprocess.run([fops_cmd, "ci", "-f", tiltfile], text=True, capture_output=True,
                             timeout=120, cwd=repo.root, env=env)
        assert out.returncode == 0, out.stdout + out.stderr
        runs.append(out)
    assert "deploying to fops-local" in runs[1].stdout
    assert "plan cache: used" in runs[1].stderr
    assert "deploying to lab-prod" in runs[2].stdout
    assert "plan cache: used" not in runs[2].stderr


def test_a_command_naming_another_cluster_is_refused_before_anything_runs(repo):
    """The guard knows the allowed clusters too: a helm command in the
    Tiltfile that names a context nobody allowed is refused at start."""
    tiltfile = repo(RELEASE + textwrap.dedent("""\
        local_resource("elsewhere", cmd="helm upgrade --install fractalops-api-dev "
                       "charts/fractalops-api -n fractalops-dev --kube-context lab-prod")
        """))
    with pytest.raises(fops.PolicyError) as refused:
        testing.run_tiltfile(tiltfile, testing.ScriptedExecutor())
    assert "resource 'elsewhere': refused by guard rule helm-kube-context" in str(refused.value)
    assert "against kube context lab-prod; allowed: fops-local" in str(refused.value)
