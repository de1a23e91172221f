"""What fops says is what happened. A scripted or dry run leaves nothing a
later real run trusts (no records, no events); an image is skipped as
unchanged only when its registry still holds what fops pushed (real
buildah, a real docker-registry on loopback); and a command the guard
refuses stops the run before anything of it starts."""
import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

import fops
from fixtures.registry import registry_factory  # noqa: F401  (pytest fixture)
from fops import testing

needs_buildah = pytest.mark.skipif(
    not shutil.which("buildah"), reason="buildah is needed (apt-get install buildah)")


def plane_yaml(final, storage):
    return textwrap.dedent(f"""\
        version: 1
        project: fopstest
        registries:
          final:
            role: final
            host: {final.host}
            namespace: fopstest
            tls_verify: false
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
    """A repo with a FROM-scratch image pushed to a loopback registry."""
    final = registry_factory()
    for name in ("FOPS_STATE_DIR", "FOPS_CACHE_IMPORT", "FOPS_CACHE_EXPORT", "FOPS_PLAN_CACHE"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / ".git").mkdir()  # the state directory is at the top of the work tree
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "Dockerfile").write_text("FROM scratch\nCOPY hello.txt /hello.txt\n")
    (tmp_path / "app" / "hello.txt").write_text("hello\n")
    (tmp_path / "plane.yaml").write_text(plane_yaml(final, tmp_path / "storage"))
    (tmp_path / "Tiltfile.py").write_text(textwrap.dedent("""\
        from fops.tiltfile import *
        build_plane("plane.yaml")
        app = image_build("app")
        """))
    repo = type("Repo", (), {})()
    repo.root, repo.final = tmp_path, final
    repo.tiltfile = str(tmp_path / "Tiltfile.py")
    repo.state = tmp_path / ".fops"
    yield repo
    shutil.rmtree(tmp_path / "storage", ignore_errors=True)


def fops_cli(repo, *args):
    out = subprocess.run([sys.executable, "-m", "fops", *args], cwd=repo.root, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    return out.returncode, out.stdout


def state_files(repo):
    if not repo.state.exists():
        return []
    return sorted(str(p.relative_to(repo.state)) for p in repo.state.rglob("*") if p.is_file())


@needs_buildah
def test_a_scripted_run_then_a_real_run_builds_and_pushes(repo):
    # A test suite runs the Tiltfile with a scripted executor, twice, and
    # once more pointed at the repo's own state directory.
    for _ in range(2):
        assert testing.run_tiltfile(repo.tiltfile, testing.ScriptedExecutor()).ok
    assert state_files(repo) == []  # a harness keeps its state elsewhere
    # `fops plan` runs nothing and writes nothing.
    code, out = fops_cli(repo, "plan")
    assert code == 0, out
    assert "buildah" in out and "push" in out
    assert state_files(repo) == []
    # Even pointed at the repo's state directory, a scripted run records nothing.
    assert testing.run_tiltfile(repo.tiltfile, testing.ScriptedExecutor(),
                                state_dir=str(repo.state)).ok
    assert [f for f in state_files(repo) if not f.endswith(".cache")] == []

    # The real run builds and pushes: nothing before it was trusted.
    code, out = fops_cli(repo, "ci")
    assert code == 0, out
    assert "rebuilt: no previous build" in out
    assert "STEP 2/2: COPY hello.txt /hello.txt" in out
    tags = repo.final.tags("fopstest/app")
    assert len(tags) == 1, tags
    record = json.loads((repo.state / "images" / "app-image.json").read_text())
    assert record["effect"].startswith("sha256:")  # the digest the registry confirmed
    events = [json.loads(line) for line in (repo.state / "events.jsonl").read_text().splitlines()]
    assert [e["event"] for e in events if e["event"] == "image.pushed"] == ["image.pushed"]


@needs_buildah
def test_an_image_gone_from_the_registry_is_built_and_pushed_again(repo):
    code, out = fops_cli(repo, "ci")
    assert code == 0, out
    tag = repo.final.tags("fopstest/app")[0]
    ref = f"{repo.final.host}/fopstest/app:{tag}"

    code, out = fops_cli(repo, "ci")
    assert code == 0, out
    assert f"skipped: unchanged since {ref}" in out
    assert "STEP" not in out

    repo.final.delete("fopstest/app", tag)  # the registry lost the image
    code, out = fops_cli(repo, "ci")
    assert code == 0, out
    assert f"rebuilt: {ref} is not in the registry" in out
    assert "STEP 2/2" in out
    assert repo.final.tags("fopstest/app") == [tag]  # pushed again
    code, out = fops_cli(repo, "ci")
    assert f"skipped: unchanged since {ref}" in out


@needs_buildah
def test_a_registry_that_cannot_be_asked_is_never_taken_as_confirmation(repo):
    code, out = fops_cli(repo, "ci")
    assert code == 0, out
    repo.final.stop()
    code, out = fops_cli(repo, "ci")
    assert code == 1, out  # it tries to build and push, and the push fails
    assert "rebuilt: cannot confirm in the registry: " in out
    assert f"127.0.0.1:{repo.final.port}" in out
    assert "skipped" not in out


def test_a_refused_command_stops_the_run_before_anything_starts(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "Tiltfile.py").write_text(textwrap.dedent("""\
        from fops.tiltfile import *
        local_resource("first", cmd="touch first-ran")
        local_resource("deploy", cmd="kubectl -n fractalops set image deploy/api api=x:1",
                       resource_deps=["first"])
        """))
    out = subprocess.run([sys.executable, "-m", "fops", "ci"], cwd=tmp_path, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    assert out.returncode == 3, out.stdout + out.stderr
    assert not (tmp_path / "first-ran").exists()
    assert "Tiltfile.py:3: resource 'deploy': " in out.stderr
    assert "kubectl-mutation" in out.stderr
    assert "set image deploy/api" in out.stderr


def test_a_python_executor_is_simulated_unless_it_says_it_is_real():
    class Recording(fops.Executor):
        pass

    class Real(fops.Executor):
        simulated = False

    assert Recording().simulated is True
    assert Real().simulated is False
