"""Registry logins: the build plane says where each registry's login
comes from, and builds, pushes and the registry checks use it. A real
docker-registry behind TLS (a test CA) that wants a login (htpasswd);
buildah builds and pushes with a token taken from a variable; the token
never appears in output or in the repo's state; a missing or wrong login is
an error naming the registry before any build starts."""
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from fixtures.registry import registry_factory  # noqa: F401  (pytest fixture)
from fixtures.tls import TestCA

TOKEN = "canary-registry-token-5d41402abc"

pytestmark = pytest.mark.skipif(not shutil.which("buildah"), reason="buildah is needed")


def plane_yaml(registry, ca_file, storage, credential):
    return textwrap.dedent(f"""\
        version: 1
        project: fopstest
        registries:
          final:
            role: final
            host: {registry.host}
            namespace: fopstest
            ca_file: {ca_file}
            credential: {credential}
        stages:
          dev:
            tag: dev-{{inputs}}
        targets:
          app:
            context: app
        builder:
          kind: buildah
          buildah:
            storage_driver: vfs
            isolation: chroot
            root: {storage}/root
            runroot: {storage}/run
        """)


@pytest.fixture
def repo(tmp_path, registry_factory, monkeypatch):  # noqa: F811
    ca = TestCA(tmp_path / "tls")
    registry = registry_factory(ca=ca, login=("dev", TOKEN))
    for name in ("FOPS_STATE_DIR", "FOPS_PLAN_CACHE", "REGISTRY_AUTH_FILE", "DOCKER_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "runtime"))
    (tmp_path / "runtime").mkdir(mode=0o700)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no machine logins
    (tmp_path / ".git").mkdir()
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "Dockerfile").write_text("FROM scratch\nCOPY hello.txt /hello.txt\n")
    (tmp_path / "app" / "hello.txt").write_text("hello\n")
    (tmp_path / "Tiltfile.py").write_text(
        "build_plane('plane.yaml')\nimage_build('app')\n"
        # a command that prints the token: its output must not show it
        "local_resource('leak', cmd='echo login is $FOPS_TEST_REGISTRY_LOGIN')\n")

    def write_plane(credential="{env: FOPS_TEST_REGISTRY_LOGIN, username: dev}"):
        (tmp_path / "plane.yaml").write_text(
            plane_yaml(registry, ca.ca_file, tmp_path / "storage", credential))

    write_plane()
    repo = type("Repo", (), {})()
    repo.root, repo.registry, repo.write_plane = tmp_path, registry, write_plane
    yield repo
    shutil.rmtree(tmp_path / "storage", ignore_errors=True)


def fops_ci(repo, env=None):
    full = dict(os.environ, **(env or {}))
    out = subprocess.run([sys.executable, "-m", "fops", "ci"], cwd=repo.root, env=full, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    return out.returncode, out.stdout


def everything_written(repo):
    """Every file of the repo's state directory, as text."""
    texts = []
    for path in (repo.root / ".fops").rglob("*"):
        if path.is_file():
            texts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(texts)


def test_a_token_from_a_variable_builds_pushes_and_confirms(repo):
    code, out = fops_ci(repo, {"FOPS_TEST_REGISTRY_LOGIN": TOKEN})
    assert code == 0, out
    assert "STEP 2/2" in out
    tags = repo.registry.tags("fopstest/app")
    assert len(tags) == 1
    # The registry check used the login too: the next run skips, confirmed.
    code, again = fops_ci(repo, {"FOPS_TEST_REGISTRY_LOGIN": TOKEN})
    assert code == 0, again
    assert "skipped: unchanged since" in again
    assert "login is [REDACTED]" in out  # a variable the plane names holds a secret
    assert TOKEN not in out + again
    assert TOKEN not in everything_written(repo)
    assert "--authfile" in subprocess.run([sys.executable, "-m", "fops", "plan"], cwd=repo.root,
                                          text=True, capture_output=True).stdout


def test_a_missing_token_is_an_error_naming_the_registry_before_any_build(repo):
    code, out = fops_ci(repo, {"FOPS_TEST_REGISTRY_LOGIN": ""})
    assert code == 2, out
    assert f"registry {repo.registry.host}" in out
    assert "FOPS_TEST_REGISTRY_LOGIN is not set" in out
    assert "STEP" not in out
    assert repo.registry.tags("fopstest/app") == []


def test_a_wrong_token_is_refused_before_any_build(repo):
    code, out = fops_ci(repo, {"FOPS_TEST_REGISTRY_LOGIN": "wrong-" + TOKEN})
    assert code == 3, out
    assert f"registry {repo.registry.host} refused the login" in out
    assert "$FOPS_TEST_REGISTRY_LOGIN" in out
    assert "STEP" not in out
    assert TOKEN not in out


def test_a_login_file_is_read_for_the_registry(repo):
    import base64
    import json

    login = repo.root / "logins.json"
    auth = base64.b64encode(f"dev:{TOKEN}".encode()).decode()
    login.write_text(json.dumps({"auths": {repo.registry.host: {"auth": auth}}}))
    repo.write_plane("{auth_file: logins.json}")
    code, out = fops_ci(repo)
    assert code == 0, out
    assert len(repo.registry.tags("fopstest/app")) == 1
    login.write_text(json.dumps({"auths": {}}))
    code, out = fops_ci(repo)
    assert code == 2, out
    assert f"holds no login for {repo.registry.host}" in out
