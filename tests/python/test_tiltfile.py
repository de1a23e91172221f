"""Loading Tiltfiles: Tilt's local_resource vocabulary, config parsing,
resource selection, and the harness (ScriptedExecutor) asserting calls."""
import os
import textwrap

import pytest

import fops
from fops.testing import ScriptedExecutor, run_tiltfile


def write(tmp_path, body, name="Tiltfile.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return str(path)


def test_local_resource_fields_keep_tilts_names_and_meaning(tmp_path):
    (tmp_path / "sub").mkdir()
    path = write(tmp_path, """\
        local_resource("db", serve_cmd=["postgres", "-D", "data"], serve_dir="sub",
                       serve_env={"PGPORT": "5433"},
                       readiness_probe=probe(tcp_socket=tcp_socket_action(5433), period_secs=2))
        local_resource("api", cmd="make api", deps=["src", "Makefile"], ignore="*.pyc",
                       resource_deps=["db"], env={"MODE": "dev"}, dir="sub", labels="backend",
                       trigger_mode=TRIGGER_MODE_MANUAL, auto_init=False, allow_parallel=False,
                       links=[link("http://127.0.0.1:8080", "api"), "http://x"], timeout="1m30s")
    """)
    project = fops.load(path)
    db, api = project.resources
    assert db.serve_cmd.argv == ["postgres", "-D", "data"]  # a list runs without a shell
    assert db.cmd.empty
    assert db.serve_dir == str(tmp_path / "sub")
    assert db.dir == str(tmp_path)  # dir defaults to the Tiltfile's directory
    assert db.serve_env == {"PGPORT": "5433"}
    assert db.readiness_probe.action == fops.TcpSocketAction(port=5433, host="127.0.0.1")
    assert db.readiness_probe.period == 2.0
    assert api.cmd.argv == ["sh", "-c", "make api"]  # a str runs with sh -c, as in Tilt
    assert api.deps == [str(tmp_path / "src"), str(tmp_path / "Makefile")]
    assert api.ignore == ["*.pyc"]
    assert api.resource_deps == ["db"]
    assert api.env == {"MODE": "dev"}
    assert api.dir == str(tmp_path / "sub")
    assert api.serve_dir == str(tmp_path)  # Tilt: serve_dir defaults to the Tiltfile's dir
    assert api.labels == ["backend"]
    assert api.trigger_mode == fops.TriggerMode.MANUAL
    assert (api.auto_init, api.allow_parallel) == (False, False)
    assert [(l.url, l.name) for l in api.links] == [("http://127.0.0.1:8080", "api"), ("http://x", "")]
    assert api.timeout == 90.0
    assert (api.declared_file, api.declared_line) == (path, 4)


def test_import_star_is_optional_and_equivalent(tmp_path):
    path = write(tmp_path, """\
        from fops.tiltfile import *
        local_resource("a", cmd="true")
    """)
    assert [r.name for r in fops.load(path).resources] == ["a"]


def test_update_settings_and_ci_settings(tmp_path):
    path = write(tmp_path, """\
        update_settings(max_parallel_updates=5, k8s_upsert_timeout_secs=60)
        ci_settings(timeout="10m")
        local_resource("a", cmd="true")
    """)
    settings = fops.load(path).settings
    assert settings.max_parallel_updates == 5
    assert settings.ci_timeout == 600.0


def test_harness_asserts_the_calls_in_dependency_order(tmp_path):
    path = write(tmp_path, """\
        local_resource("test", cmd="pytest -q", resource_deps=["build"])
        local_resource("build", cmd=["make", "-j2", "app"])
        local_resource("lint", cmd="ruff check .", auto_init=False)
    """)
    ex = ScriptedExecutor()
    result = run_tiltfile(path, ex)
    assert result.ok
    assert ex.calls == [["make", "-j2", "app"], ["sh", "-c", "pytest -q"]]
    assert ex.commands() == ["make -j2 app", "pytest -q"]
    assert result["lint"].status == fops.ResourceStatus.NOT_RUN
    assert ex.specs[0].resource == "build"
    assert ex.specs[0].dir == str(tmp_path)


def test_harness_rules_make_a_resource_fail_and_block_its_dependents(tmp_path):
    path = write(tmp_path, """\
        local_resource("build", cmd="make app")
        local_resource("test", cmd="make test", resource_deps=["build"])
        local_resource("docs", cmd="make docs")
    """)
    ex = ScriptedExecutor().rule("make app", exit_code=2, output="cc: error: x.c\nmake: *** [app] Error 1")
    result = run_tiltfile(path, ex)
    assert not result.ok
    assert result["build"].status == fops.ResourceStatus.FAILED
    assert result["build"].last_lines[-1] == "make: *** [app] Error 1"
    assert result["test"].status == fops.ResourceStatus.BLOCKED
    assert result["docs"].status == fops.ResourceStatus.SUCCEEDED
    assert "make test" not in ex.commands()


def test_config_parse_as_in_tilt(tmp_path):
    path = write(tmp_path, """\
        config.define_bool("worker")
        config.define_bool("e2e")
        config.define_string("port", usage="port to serve on")
        config.define_string_list("extra")
        config.define_string_list("to-run", args=True)
        cfg = config.parse()
        local_resource("api", cmd="make api PORT=" + cfg.get("port", "8080"))
        if cfg.get("worker"):
            local_resource("worker", cmd="make worker")
        for name in cfg.get("extra", []):
            local_resource(name, cmd="make " + name)
        config.set_enabled_resources(cfg.get("to-run", []))
    """)
    project = fops.load(path, args=["--worker", "--port=9000", "--extra", "x", "--extra=y",
                                    "--e2e=false", "api", "worker"])
    assert project.config == {"worker": True, "port": "9000", "extra": ["x", "y"], "e2e": False,
                              "to-run": ["api", "worker"]}
    assert [r.name for r in project.resources] == ["api", "worker", "x", "y"]
    assert project.resource("api").cmd.script == "make api PORT=9000"
    assert project.selection == ["api", "worker"]

    plain = fops.load(path)
    assert plain.config == {}  # only settings given on the command line appear, as in Tilt
    assert [r.name for r in plain.resources] == ["api"]
    assert plain.selection == []


def test_config_value_forms(tmp_path):
    path = write(tmp_path, """\
        config.define_string("name")
        config.define_bool("flag")
        cfg = config.parse()
        local_resource("a", cmd="true")
    """)
    assert fops.load(path, args=["--name", "n1"]).config == {"name": "n1"}
    assert fops.load(path, args=["-name=n2", "--name=n3"]).config == {"name": "n3"}  # last wins
    assert fops.load(path, args=["--flag=1"]).config == {"flag": True}
    assert fops.load(path, args=["--flag=F"]).config == {"flag": False}


@pytest.mark.parametrize("args, message", [
    (["--wrker"], "Tiltfile.py:3: config.parse: unknown flag --wrker (did you mean --worker?) (defined: --worker; --port VALUE)"),
    (["--port"], "Tiltfile.py:3: config.parse: --port: needs a value"),
    (["--worker=maybe"], "Tiltfile.py:3: config.parse: --worker: expected true or false, got 'maybe'"),
    (["api"], "Tiltfile.py:3: config.parse: positional args ['api'] given, but no setting takes them"),
])
def test_config_errors_name_the_flag(tmp_path, args, message):
    path = write(tmp_path, """\
        config.define_bool("worker")
        config.define_string("port")
        cfg = config.parse()
        local_resource("a", cmd="true")
    """)
    with pytest.raises(fops.ConfigError) as info:
        fops.load(path, args=args)
    assert str(info.value).startswith(os.path.join(str(tmp_path), message))


def test_without_config_parse_positional_args_select_resources_and_their_deps(tmp_path):
    path = write(tmp_path, """\
        local_resource("db", cmd="make db")
        local_resource("api", cmd="make api", resource_deps=["db"])
        local_resource("portal", cmd="make portal")
    """)
    project = fops.load(path, args=["api"])
    assert project.selection == ["api"]
    ex = ScriptedExecutor()
    run_tiltfile(path, ex, args=["api"])
    assert ex.commands() == ["make db", "make api"]

    ex = ScriptedExecutor()
    run_tiltfile(path, ex, resources=["portal"])
    assert ex.commands() == ["make portal"]

    with pytest.raises(fops.ConfigError, match=r"unknown resource 'nope' \(defined: db, api, portal\)"):
        fops.load(path, args=["nope"])
    with pytest.raises(fops.ConfigError, match="unknown flag --worker: the Tiltfile does not call config.parse"):
        fops.load(path, args=["--worker"])


def test_tilt_subcommand_and_main_dir(tmp_path):
    path = write(tmp_path, """\
        local_resource("a", cmd=["echo", config.tilt_subcommand, config.main_dir])
    """)
    project = fops.load(path, subcommand="up")
    assert project.resources[0].cmd.argv == ["echo", "up", str(tmp_path)]


def test_a_tiltfile_can_import_modules_beside_it(tmp_path):
    (tmp_path / "helpers.py").write_text("def make(t):\n    return 'make ' + t\n")
    path = write(tmp_path, """\
        import helpers
        local_resource("a", cmd=helpers.make("a"))
    """)
    assert fops.load(path).resources[0].cmd.script == "make a"


def test_tiltfile_functions_are_also_on_the_fops_module():
    assert fops.local_resource is fops.tiltfile.local_resource
    assert fops.TRIGGER_MODE_MANUAL == fops.TriggerMode.MANUAL
    assert callable(fops.config.parse)


def test_harness_time_is_virtual_delays_order_and_timeouts_apply(tmp_path):
    path = write(tmp_path, """\
        local_resource("slow", cmd="make slow", timeout=60)
        local_resource("fast", cmd="make fast")
        local_resource("hung", cmd="make hung", timeout="5m")
    """)
    ex = ScriptedExecutor()
    ex.rule("make slow", delay=30, output=["done slow"])
    ex.rule("make fast", delay=1)
    ex.rule("make hung", delay=3600)  # an hour of virtual time: no test waits for it
    result = run_tiltfile(path, ex)
    assert result["slow"].status == fops.ResourceStatus.SUCCEEDED
    assert result["slow"].duration == 30.0
    assert result["fast"].duration == 1.0
    assert result["hung"].status == fops.ResourceStatus.FAILED
    assert "timed out" in result["hung"].reason


def test_harness_mode_reaches_the_load(tmp_path):
    path = write(tmp_path, 'local_resource("a", cmd="true")\n')
    assert fops.load(path, mode="staging").mode == "staging"
