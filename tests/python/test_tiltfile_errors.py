"""Bad Tiltfiles: every error is a fops.ConfigError naming the Tiltfile line
(and the argument), graph problems are reported together, nothing runs."""
import os
import textwrap

import pytest

import fops
from fops.testing import ScriptedExecutor, run_tiltfile


def load_error(tmp_path, body, **kwargs):
    path = tmp_path / "Tiltfile.py"
    path.write_text(textwrap.dedent(body))
    with pytest.raises(fops.ConfigError) as info:
        fops.load(str(path), **kwargs)
    return str(info.value).replace(str(tmp_path) + os.sep, "")


def test_graph_problems_are_reported_together_each_with_its_line(tmp_path):
    message = load_error(tmp_path, """\
        local_resource("api", cmd="make api", resource_deps=["portal"])
        local_resource("portal", cmd="make portal", resource_deps=["api"])
        local_resource("api", cmd="make api2")
        local_resource("", cmd="true")
        local_resource("worker", cmd="make worker", resource_deps=["queue"])
    """)
    lines = message.splitlines()
    assert "Tiltfile.py:1: dependency cycle: api -> portal -> api" in lines
    assert "Tiltfile.py:3: resource 'api': duplicate name (first declared at Tiltfile.py:1)" in lines
    assert any(l.startswith("Tiltfile.py:4: ") and "empty name" in l for l in lines)
    assert "Tiltfile.py:5: resource 'worker': unknown resource_deps 'queue'" in lines


def test_a_longer_cycle_is_printed_as_its_path(tmp_path):
    message = load_error(tmp_path, """\
        local_resource("a", cmd="true", resource_deps=["c"])
        local_resource("b", cmd="true", resource_deps=["a"])
        local_resource("c", cmd="true", resource_deps=["b"])
    """)
    assert "dependency cycle: a -> c -> b -> a" in message or \
        "dependency cycle: a -> b -> c -> a" in message


def test_nothing_runs_when_the_graph_is_invalid(tmp_path):
    path = tmp_path / "Tiltfile.py"
    path.write_text('local_resource("a", cmd="make a")\nlocal_resource("b", cmd="x", resource_deps=["z"])\n')
    ex = ScriptedExecutor()
    with pytest.raises(fops.ConfigError, match="unknown resource_deps 'z'"):
        run_tiltfile(str(path), ex)
    assert ex.calls == []


@pytest.mark.parametrize("call, message", [
    ('local_resource("a", cmd=3)',
     "Tiltfile.py:2: local_resource('a'): argument 'cmd': expected a str (run with sh -c) or a "
     "list of str (argv), got int"),
    ('local_resource("a", cmd=["make", 1])',
     "Tiltfile.py:2: local_resource('a'): argument 'cmd': expected a str (run with sh -c) or a "
     "list of str (argv), got list"),
    ('local_resource("a", cmd="x", deps=5)',
     "Tiltfile.py:2: local_resource('a'): argument 'deps': expected a str or a list of str, got int"),
    ('local_resource("a", cmd="x", resource_deps=["b", None])',
     "Tiltfile.py:2: local_resource('a'): argument 'resource_deps': expected a list of str, found NoneType None"),
    ('local_resource("a", cmd="x", env={"A": 1})',
     "Tiltfile.py:2: local_resource('a'): argument 'env': expected a dict of str to str, found 'A': int"),
    ('local_resource("a", cmd="x", auto_init="no")',
     "Tiltfile.py:2: local_resource('a'): argument 'auto_init': expected True or False, got str"),
    ('local_resource("a", cmd="x", trigger_mode="manual")',
     "Tiltfile.py:2: local_resource('a'): argument 'trigger_mode': expected TRIGGER_MODE_AUTO or "
     "TRIGGER_MODE_MANUAL, got 'manual'"),
    ('local_resource("a", cmd="x", timeout="soon")',
     "Tiltfile.py:2: local_resource('a'): argument 'timeout': bad duration 'soon'"),
    ('local_resource("a", cmd="x", cmdd="y")',
     "Tiltfile.py:2: local_resource('a'): unexpected argument 'cmdd'"),
    ('local_resource(42, cmd="x")',
     "Tiltfile.py:2: local_resource: argument 'name': expected a str, got int"),
    ('local_resource("a")',
     "Tiltfile.py:2: local_resource('a'): needs a cmd or a serve_cmd"),
    ('local_resource("a", cmd="x", readiness_probe=http_get_action(80))',
     "Tiltfile.py:2: local_resource('a'): argument 'readiness_probe': expected probe(...), got HttpGetAction"),
    ('local_resource("a", serve_cmd="x", readiness_probe=probe())',
     "Tiltfile.py:2: probe: needs exactly one of exec=, http_get=, tcp_socket= (got 0)"),
    ('probe(http_get=http_get_action(port="80"))',
     "Tiltfile.py:2: http_get_action: argument 'port': expected an int, got str"),
    ('probe(exec=exec_action("curl x"))',
     "Tiltfile.py:2: exec_action: argument 'command': expected a list of str (argv, no shell), got str"),
    ('update_settings(max_parallel_updates=0)',
     "Tiltfile.py:2: update_settings: argument 'max_parallel_updates': must be at least 1, got 0"),
    ('update_settings(max_paralel_updates=2)',
     "Tiltfile.py:2: update_settings: unexpected argument 'max_paralel_updates'"),
    ('config.define_bool("x", args=True)',
     "Tiltfile.py:2: config.define_bool: setting 'x': a bool setting cannot take args=True"),
    ('fail("no registry configured")',
     "Tiltfile.py:2: fail: no registry configured"),
    ('local_resource("a", "x", None, None, None, True, True, None, None, None, None, None, None, '
     'TRIGGER_MODE_AUTO, None, None, None, 1)',
     "Tiltfile.py:2: TypeError: local_resource() takes from 1 to 17 positional arguments but 18 were given"),
])
def test_bad_arguments_name_the_line_and_the_argument(tmp_path, call, message):
    assert load_error(tmp_path, f"x = 1\n{call}\n").startswith(message)


def test_python_errors_in_a_tiltfile_name_the_tiltfile_line(tmp_path):
    message = load_error(tmp_path, """\
        ports = {"api": 8080}

        def port(name):
            return ports[name]

        local_resource("portal", serve_cmd=f"serve --port {port('portal')}")
    """)
    assert message == "Tiltfile.py:4: KeyError: 'portal'"


def test_a_syntax_error_names_its_line(tmp_path):
    assert load_error(tmp_path, 'local_resource("a",\n  cmd="x"\n').startswith("Tiltfile.py:1: syntax error:")


def test_a_missing_tiltfile(tmp_path):
    with pytest.raises(fops.ConfigError, match="no such Tiltfile"):
        fops.load(str(tmp_path / "Tiltfile.py"))


def test_tiltfile_functions_outside_a_load_say_so():
    with pytest.raises(fops.ConfigError, match="only be called while a Tiltfile is loaded"):
        fops.tiltfile.local_resource("a", cmd="x")
