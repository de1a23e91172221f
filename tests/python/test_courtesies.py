"""Small courtesies of the fops command, run as a user runs it: --version;
"did you mean" for a misspelt Tiltfile argument, flag or resource name;
Tilt's `Tiltfile` (no .py) found, or named when -f points beside it; and a
deps path that does not exist reported at load, naming the Tiltfile line,
without stopping the load."""
import os
import subprocess
import sys
import textwrap

import fops

FOPS = os.path.join(os.path.dirname(sys.executable), "fops")


def run(*args, cwd):
    env = dict(os.environ, FOPS_STATE_DIR=str(cwd / ".state"))
    env.pop("CI", None)
    return subprocess.run([FOPS, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


def tiltfile(path, body):
    path.write_text(textwrap.dedent(body))
    return path


def test_version_prints_the_package_version(tmp_path):
    result = run("--version", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, f"fops {fops.__version__}\n", "")
    assert "--version" in run("--help", cwd=tmp_path).stdout


def test_a_misspelt_argument_of_a_tiltfile_function_gets_the_closest_name(tmp_path):
    tiltfile(tmp_path / "Tiltfile.py", """\
        local_resource("api", cmd="true",
                       dep=["src"], serve_cmdd="./api", colour="red")
    """)
    result = run("plan", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "fops: Tiltfile.py:1: local_resource('api'): unexpected arguments 'dep' (did you mean "
        "'deps'?), 'serve_cmdd' (did you mean 'serve_cmd'?), 'colour'\n")


def test_a_misspelt_tiltfile_flag_gets_the_closest_flag(tmp_path):
    tiltfile(tmp_path / "Tiltfile.py", """\
        config.define_bool("worker")
        config.define_string("region")
        cfg = config.parse()
        local_resource("api", cmd="true")
    """)
    result = run("plan", "--", "--regoin=eu", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == ("fops: Tiltfile.py:3: config.parse: unknown flag --regoin (did you "
                             "mean --region?) (defined: --worker; --region VALUE)\n")


def test_a_misspelt_resource_name_gets_the_closest_name(tmp_path):
    tiltfile(tmp_path / "Tiltfile.py", """\
        local_resource("api", cmd="echo api")
        local_resource("worker", cmd="echo worker")
    """)
    result = run("plan", "wokrer", "zzz", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == ("fops: Tiltfile.py: unknown resources 'wokrer' (did you mean "
                             "'worker'?), 'zzz' (defined: api, worker)\n")
    # The same from the Tiltfile's own selection.
    tiltfile(tmp_path / "Tiltfile.py", """\
        local_resource("api", cmd="echo api")
        config.set_enabled_resources(["apii"])
    """)
    result = run("plan", cwd=tmp_path)
    assert result.returncode == 2
    assert "unknown resource 'apii' (did you mean 'api'?) (defined: api)" in result.stderr


def test_tilts_tiltfile_without_py_is_found_when_there_is_no_tiltfile_py(tmp_path):
    tiltfile(tmp_path / "Tiltfile", """\
        local_resource('hello', cmd='echo hello from Tiltfile')
    """)
    plan = run("plan", cwd=tmp_path)
    assert (plan.returncode, plan.stdout, plan.stderr) == (0, "sh -c 'echo hello from Tiltfile'\n", "")
    ci = run("ci", cwd=tmp_path)
    assert ci.returncode == 0, ci.stderr
    assert "hello │ hello from Tiltfile" in ci.stdout
    # An error in it is located in it.
    tiltfile(tmp_path / "Tiltfile", """\
        local_resource('hello', cmd='echo hi')
        load('ext://restart_process', 'docker_build_with_restart')
    """)
    bad = run("plan", cwd=tmp_path)
    assert bad.returncode == 2
    assert bad.stderr.startswith("fops: Tiltfile:2: ")
    # Tiltfile.py, when there is one, is the one run.
    tiltfile(tmp_path / "Tiltfile.py", "local_resource('py', cmd='echo from Tiltfile.py')\n")
    assert run("plan", cwd=tmp_path).stdout == "sh -c 'echo from Tiltfile.py'\n"


def test_a_missing_tiltfile_names_the_one_beside_it(tmp_path):
    (tmp_path / "svc").mkdir()
    tiltfile(tmp_path / "svc" / "Tiltfile", "local_resource('a', cmd='true')\n")
    result = run("plan", "-f", "svc/Tiltfile.py", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == ("fops: svc/Tiltfile.py: no such Tiltfile, but svc/Tiltfile is "
                             "there: pass -f svc/Tiltfile\n")
    tiltfile(tmp_path / "Tiltfile.py", "local_resource('b', cmd='true')\n")
    result = run("plan", "-f", "Tiltfile", cwd=tmp_path)
    assert result.stderr == ("fops: Tiltfile: no such Tiltfile, but Tiltfile.py is there: "
                             "pass -f Tiltfile.py\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run("plan", cwd=empty)
    assert result.returncode == 2
    assert result.stderr == ("fops: Tiltfile.py: no such Tiltfile (pass -f FILE, or run where "
                             "Tiltfile.py is)\n")


def test_a_deps_path_that_does_not_exist_is_a_warning_naming_the_line(tmp_path):
    (tmp_path / "src").mkdir()
    tiltfile(tmp_path / "Tiltfile.py", """\
        local_resource("api", cmd="echo api", deps=["src"])
        local_resource("web", cmd="echo web",
                       deps=["web/src", "src", "dist/bundle.js"])
    """)
    result = run("plan", cwd=tmp_path)
    assert result.returncode == 0  # a build output may appear later: the load goes on
    assert result.stdout == "sh -c 'echo api'\nsh -c 'echo web'\n"
    assert result.stderr == (
        "fops: Tiltfile.py:2: warning: local_resource('web'): deps path 'web/src' does not exist "
        "(yet); fops up re-runs 'web' when it appears\n"
        "fops: Tiltfile.py:2: warning: local_resource('web'): deps path 'dist/bundle.js' does not "
        "exist (yet); fops up re-runs 'web' when it appears\n")
    (tmp_path / "web" / "src").mkdir(parents=True)
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "bundle.js").write_text("")
    assert run("plan", cwd=tmp_path).stderr == ""
