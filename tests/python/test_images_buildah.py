"""Real image builds: buildah (chroot isolation, vfs storage in a temp
directory) builds a FROM-scratch image, pushes it to a real registry
(Debian's docker-registry on a free loopback port), exports its build
cache to the target's scope in a second registry, and a rebuild in fresh
storage imports that cache. `fops ci` twice shows the skip-if-unchanged
gate at work. Tags are checked with skopeo."""
import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

import fops
from fops import transitions
from fixtures.registry import registry_factory  # noqa: F401  (pytest fixture)

pytestmark = pytest.mark.skipif(
    not (shutil.which("buildah") and shutil.which("skopeo")),
    reason="buildah and skopeo are needed (apt-get install buildah skopeo)")


def plane_yaml(final, cache, storage):
    return textwrap.dedent(f"""\
        version: 1
        project: fopstest
        registries:
          final:
            role: final
            host: {final.host}
            namespace: fopstest
            tls_verify: false
          buildcache:
            role: cache
            host: {cache.host}
            tls_verify: false
        stages:
          dev:
            tag: dev-{{inputs}}
          staging:
            tag: staging-{{inputs}}
            cache_import: true
            cache_export: true
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
def project(tmp_path, registry_factory, monkeypatch):  # noqa: F811
    """A repo with a FROM-scratch image, a final and a cache registry."""
    final, cache = registry_factory(), registry_factory()
    monkeypatch.setenv("FOPS_STATE_DIR", str(tmp_path / ".fops"))
    monkeypatch.delenv("FOPS_CACHE_IMPORT", raising=False)
    monkeypatch.delenv("FOPS_CACHE_EXPORT", raising=False)
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "Containerfile").write_text("FROM scratch\nCOPY hello.txt /hello.txt\n")
    (tmp_path / "app" / "Dockerfile").write_text("FROM scratch\nCOPY hello.txt /hello.txt\n")
    (tmp_path / "app" / "hello.txt").write_text("hello\n")
    (tmp_path / "plane.yaml").write_text(plane_yaml(final, cache, tmp_path / "storage-a"))
    (tmp_path / "Tiltfile.py").write_text(textwrap.dedent("""\
        from fops.tiltfile import *
        build_plane("plane.yaml")
        app = image_build("app")
        """))
    project = type("Project", (), {})()
    project.root, project.final, project.cache = tmp_path, final, cache
    project.tiltfile = str(tmp_path / "Tiltfile.py")
    yield project
    # vfs storage is plain directories: nothing stays mounted.
    for storage in ("storage-a", "storage-b"):
        shutil.rmtree(tmp_path / storage, ignore_errors=True)


def skopeo_inspect(ref):
    out = subprocess.run(["skopeo", "inspect", "--tls-verify=false", f"docker://{ref}"],
                         text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


class Lines(fops.Observer):
    """Collects every output line of a run."""

    def __init__(self):
        super().__init__()
        self.lines = []

    def on_output(self, resource, stream, line):
        self.lines.append(line)

    @property
    def text(self):
        return "\n".join(self.lines)


def test_build_push_export_cache_and_rebuild_from_it_in_fresh_storage(project):
    # Staging: push the staging tag, export the cache to the staging scope.
    first = Lines()
    result = transitions.staging_build(project.tiltfile, ["app"], executor=fops.ProcessExecutor(),
                                       observers=[first])
    assert result.ok, first.text
    scope = f"{project.cache.host}/fopstest/buildcache/staging/app"
    assert f"Pushing cache {scope}:" in first.text
    assert "fopstest/buildcache/staging/app" in project.cache.catalog()
    assert project.cache.catalog() == ["fopstest/buildcache/staging/app"]  # nothing else there
    tags = project.final.tags("fopstest/app")
    assert len(tags) == 1 and tags[0].startswith("staging-")
    assert project.final.catalog() == ["fopstest/app"]  # no cache in the final registry
    pushed = skopeo_inspect(f"{project.final.host}/fopstest/app:{tags[0]}")
    assert pushed["RepoTags"] == tags
    assert len(pushed["Layers"]) == 1

    # Fresh storage: nothing local to reuse, so the layer must come from the cache.
    (project.root / "plane.yaml").write_text(
        plane_yaml(project.final, project.cache, project.root / "storage-b"))
    second = Lines()
    result = transitions.staging_build(project.tiltfile, ["app"], executor=fops.ProcessExecutor(),
                                       observers=[second], force=True)
    assert result.ok, second.text
    assert f"Cache pulled from remote {scope}:" in second.text
    assert "Using cache" in second.text
    # The same layer and config: the image was reused, not rebuilt.
    again = skopeo_inspect(f"{project.final.host}/fopstest/app:{tags[0]}")
    assert again["Layers"] == pushed["Layers"]
    assert again["Digest"] == pushed["Digest"]


def fops_ci(project, *extra):
    out = subprocess.run([sys.executable, "-m", "fops", "ci", "-f", project.tiltfile, *extra],
                         text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300,
                         env=os.environ.copy())
    return out.returncode, out.stdout


def test_fops_ci_skips_an_unchanged_image_and_says_why(project):
    code, out = fops_ci(project)
    assert code == 0, out
    assert "rebuilt: no previous build" in out
    assert "STEP 2/2: COPY hello.txt /hello.txt" in out  # buildah ran
    tags = project.final.tags("fopstest/app")
    assert len(tags) == 1 and tags[0].startswith("dev-")
    ref = f"{project.final.host}/fopstest/app:{tags[0]}"
    assert skopeo_inspect(ref)["RepoTags"] == tags
    assert project.cache.catalog() == []  # dev: remote cache off

    code, out = fops_ci(project)
    assert code == 0, out
    assert f"skipped: unchanged since {ref}" in out
    assert "STEP" not in out  # buildah did not run

    (project.root / "app" / "hello.txt").write_text("hello again\n")
    code, out = fops_ci(project)
    assert code == 0, out
    assert "rebuilt: app/hello.txt changed" in out
    assert len(project.final.tags("fopstest/app")) == 2  # a new dev tag for new inputs

    code, out = fops_ci(project, "--force")
    assert code == 0, out
    assert "STEP 2/2: COPY hello.txt /hello.txt" in out
    assert "skipped" not in out


def test_pulls_go_through_the_mirror_with_the_planes_registries_conf(tmp_path, registry_factory):  # noqa: F811
    """No network here: docker.io answers only through the mirror the plane names."""
    mirror = registry_factory()
    storage = tmp_path / "storage"
    (tmp_path / "ctx").mkdir()
    (tmp_path / "ctx" / "Containerfile").write_text("FROM scratch\nCOPY probe.txt /\n")
    (tmp_path / "ctx" / "probe.txt").write_text("through the mirror\n")
    buildah = ["buildah", "--root", str(storage / "root"), "--runroot", str(storage / "run"),
               "--storage-driver", "vfs"]
    probe = f"{mirror.host}/library/fops-mirror-probe:1"
    for argv in (buildah + ["build", "--isolation", "chroot", "-f", "ctx/Containerfile", "-t", probe,
                            "ctx"],
                 buildah + ["push", "--tls-verify=false", probe]):
        out = subprocess.run(argv, cwd=tmp_path, text=True, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, timeout=120)
        assert out.returncode == 0, out.stdout
    plane = tmp_path / "plane.yaml"
    plane.write_text(textwrap.dedent(f"""\
        version: 1
        project: fopstest
        registries:
          final: {{role: final, host: final.example.com}}
          mirror: {{role: mirror, host: "{mirror.host}", tls_verify: false, mirrors: [docker.io]}}
        stages: {{dev: }}
        targets: {{app: }}
        """))
    out = subprocess.run([sys.executable, "-m", "fops", "plane", "registries-conf", str(plane)],
                         text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert out.returncode == 0, out.stderr
    conf = tmp_path / "registries.conf"
    conf.write_text(out.stdout)
    env = dict(os.environ, CONTAINERS_REGISTRIES_CONF=str(conf))
    # The builder's pull of a docker.io image, into fresh storage, is served by the mirror.
    fresh = ["buildah", "--root", str(storage / "fresh"), "--runroot", str(storage / "fresh-run"),
             "--storage-driver", "vfs"]
    pulled = subprocess.run(fresh + ["pull", "docker.io/library/fops-mirror-probe:1"], env=env,
                            text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    assert pulled.returncode == 0, pulled.stdout
    listed = subprocess.run(fresh + ["images", "--format", "{{.Name}}:{{.Tag}}"], text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    assert "docker.io/library/fops-mirror-probe:1" in listed.stdout.split()
    shutil.rmtree(storage, ignore_errors=True)


def test_fops_up_pushes_an_edited_image_under_its_new_tag_and_deploys_that(project):
    """The tag's {inputs} part is rendered when the Tiltfile loads: under
    `fops up` an edit in the build context reloads it, so the image is built
    and pushed under the new tag and what deploys it gets the new reference
    (here a command standing in for the Helm upgrade, which renders
    `image.ref` the same way)."""
    import signal

    from fixtures.processes import kill_tree, wait_until

    (project.root / "Tiltfile.py").write_text(textwrap.dedent("""\
        from fops.tiltfile import *
        build_plane("plane.yaml")
        app = image_build("app")
        local_resource("deploy", cmd="echo %s >> deployed.txt" % app.ref, resource_deps=[app])
        """))
    deployed = project.root / "deployed.txt"
    log = open(project.root / "up.log", "w")
    up = subprocess.Popen([sys.executable, "-m", "fops", "up", "--no-web"], cwd=project.root,
                          stdout=log, stderr=subprocess.STDOUT, env=os.environ.copy())
    try:
        wait_until(lambda: deployed.exists(), timeout=120, what="the first deploy")
        first = deployed.read_text().split()
        assert len(first) == 1
        tags = project.final.tags("fopstest/app")
        assert len(tags) == 1 and first[0].endswith(":" + tags[0])
        first_digest = skopeo_inspect(first[0])["Digest"]

        (project.root / "app" / "hello.txt").write_text("hello, edited\n")
        wait_until(lambda: len(deployed.read_text().split()) == 2, timeout=120,
                   what="the deploy of the new tag")
        second = deployed.read_text().split()[1]
        new_tags = [t for t in project.final.tags("fopstest/app") if t not in tags]
        assert len(new_tags) == 1, project.final.tags("fopstest/app")
        assert second.endswith(":" + new_tags[0])  # deployed what was pushed
        assert second != first[0]
        assert skopeo_inspect(second)["Digest"] != first_digest
        text = (project.root / "up.log").read_text()
        assert "fops: reloaded Tiltfile.py: changed app-image, deploy" in text
        # Nothing was pushed under the old tag after the edit.
        assert skopeo_inspect(first[0])["Digest"] == first_digest
    finally:
        up.send_signal(signal.SIGINT)
        try:
            up.wait(timeout=60)
        finally:
            kill_tree(up)
            log.close()
