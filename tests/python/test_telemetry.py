"""Build Plane telemetry from Python and the command line: the JSON lines
default of a real `fops ci`, `fops telemetry ddl | config`, configuration
warnings and strict configuration errors, and the hooks' API
(observers / emit / finish)."""
import collections
import json
import os

import pytest

import fops
import fops.telemetry as telemetry
from fops.context import LoadContext
from fixtures.telemetry_run import EXPECTED, fops_env, make_repo, run_fops


def test_json_lines_in_the_state_dir_is_the_quiet_default(tmp_path):
    head = make_repo(tmp_path)
    run = run_fops(tmp_path, env=fops_env())
    assert run.returncode == 1, run.stderr  # `broken` fails
    assert "telemetry:" not in run.stderr  # a complete JSON lines file says nothing
    lines = (tmp_path / ".fops" / "events.jsonl").read_text().splitlines()
    events = [json.loads(line) for line in lines]
    assert collections.Counter(e["event"] for e in events) == EXPECTED
    assert list(events[0]) == telemetry.EVENT_FIELDS  # every field, in the documented order
    assert events[0]["event"] == "session.started"
    assert events[-1]["event"] == "session.stopped"
    assert all(e["git_revision"] == head for e in events)
    # A second run appends.
    run_fops(tmp_path, env=fops_env(CI="true"))
    events = [json.loads(l) for l in (tmp_path / ".fops" / "events.jsonl").read_text().splitlines()]
    assert len(events) > len(lines)
    assert {e["runner"] for e in events[len(lines):]} == {"ci"}


def test_fops_state_dir_moves_the_events_file(tmp_path):
    make_repo(tmp_path)
    state = tmp_path / "elsewhere"
    run_fops(tmp_path, env=fops_env(FOPS_STATE_DIR=str(state)))
    assert (state / "events.jsonl").exists()
    assert not (tmp_path / ".fops" / "events.jsonl").exists()


def test_ddl_command_prints_the_ddl_for_the_configured_table(tmp_path):
    run = run_fops(tmp_path, "telemetry", "ddl", env=fops_env(
        FRACTALOPS_CLICKHOUSE_DATABASE="warehouse", FRACTALOPS_BUILD_EVENTS_TABLE="events_v1"))
    assert run.returncode == 0, run.stderr
    assert run.stdout == telemetry.clickhouse_ddl("warehouse", "events_v1")
    assert "CREATE TABLE IF NOT EXISTS warehouse.events_v1" in run.stdout
    table = run_fops(tmp_path, "telemetry", "ddl", "--database", "w", "--statement", "table",
                     env=fops_env())
    assert table.stdout.startswith("CREATE TABLE IF NOT EXISTS w.build_events\n")
    assert table.stdout.count(";") == 1
    bad = run_fops(tmp_path, "telemetry", "ddl", "--table", "x;drop", env=fops_env())
    assert bad.returncode == 2
    assert "plain identifiers" in bad.stderr


def test_config_command_lists_the_sinks_without_secrets(tmp_path):
    run = run_fops(tmp_path, "telemetry", "config", env=fops_env(
        OTEL_EXPORTER_OTLP_ENDPOINT="http://collector:4318",
        OTEL_EXPORTER_OTLP_HEADERS="authorization=Bearer%20cfg-canary",
        FRACTALOPS_BUILD_EVENTS_ENABLED="true"))  # without a host: a warning
    assert run.returncode == 0, run.stderr
    assert "sink: otlp http://collector:4318/v1/logs" in run.stdout
    assert "strict: false" in run.stdout
    assert "flush timeout: 5s" in run.stdout
    assert "warning: FRACTALOPS_BUILD_EVENTS_ENABLED=true needs FRACTALOPS_CLICKHOUSE_HOST_PORT" \
        in run.stdout
    assert "cfg-canary" not in run.stdout + run.stderr


def test_a_bad_variable_warns_and_the_run_goes_on(tmp_path):
    make_repo(tmp_path)
    run = run_fops(tmp_path, env=fops_env(OTEL_EXPORTER_OTLP_ENDPOINT="collector:4318"))
    assert run.returncode == 1  # `broken`, as always
    assert ("fops: telemetry: OTEL_EXPORTER_OTLP_ENDPOINT: expected an http:// or https:// URL "
            "(sink disabled)") in run.stderr
    assert (tmp_path / ".fops" / "events.jsonl").exists()  # the default took over


def test_in_strict_mode_a_bad_variable_stops_before_anything_runs(tmp_path):
    make_repo(tmp_path)
    run = run_fops(tmp_path, env=fops_env(FRACTALOPS_BUILD_EVENTS_STRICT="true",
                                          FRACTALOPS_BUILD_EVENTS_ENABLED="true"))
    assert run.returncode == 2, run.stderr
    assert "telemetry configuration (strict): FRACTALOPS_BUILD_EVENTS_ENABLED=true needs" \
        in run.stderr
    assert "building" not in run.stdout
    assert not (tmp_path / ".fops" / "events.jsonl").exists()


@pytest.fixture
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith(("OTEL_", "FRACTALOPS_", "CI")):
            monkeypatch.delenv(name)


def test_hooks_emit_and_finish_from_python(tmp_path, clean_env, capsys):
    ctx = LoadContext(tiltfile=str(tmp_path / "Tiltfile.py"), root=str(tmp_path),
                      state_dir=str(tmp_path / "state"), mode="staging")
    observers = telemetry.observers(ctx, runner="ci")
    assert len(observers) == 1 and isinstance(observers[0], fops.telemetry.TelemetryObserver)
    assert observers[0].runner == "ci"
    telemetry.emit(observers, "mode.changed", mode="deployment", detail="fops mode deploy")
    with pytest.raises(fops.ConfigError, match="unknown build event name 'mode.switched'"):
        telemetry.emit(observers, "mode.switched")
    with pytest.raises(fops.ConfigError, match="unknown build event field 'colour'"):
        telemetry.emit(observers, "mode.changed", colour="red")
    report = telemetry.finish(observers, deadline=5)
    assert report.emitted == 1 and report.complete
    (sink,) = report.sinks
    assert (sink.sink, sink.delivered, sink.dropped, sink.failed) == ("jsonl", 1, 0, 0)
    (event,) = [json.loads(l) for l in (tmp_path / "state" / "events.jsonl").read_text().splitlines()]
    assert (event["event"], event["mode"], event["runner"]) == ("mode.changed", "deployment", "ci")
    assert capsys.readouterr().err == ""  # quiet when the JSON lines got everything


def test_no_sink_means_no_observer(tmp_path, clean_env, monkeypatch):
    monkeypatch.setenv("FRACTALOPS_BUILD_EVENTS_JSONL", "false")
    ctx = LoadContext(tiltfile="T", root=str(tmp_path), state_dir=str(tmp_path / "s"))
    assert telemetry.observers(ctx) == []
    assert telemetry.finish([]) is None


def test_strict_finish_raises_exec_error(tmp_path, clean_env, monkeypatch):
    monkeypatch.setenv("FRACTALOPS_BUILD_EVENTS_STRICT", "true")
    state = tmp_path / "state"
    state.write_text("a file where the state directory should be")
    ctx = LoadContext(tiltfile="T", root=str(tmp_path), state_dir=str(state))
    observers = telemetry.observers(ctx)
    telemetry.emit(observers, "session.started")
    with pytest.raises(fops.ExecError, match=r"sink jsonl \(.*events.jsonl\) lost 1 of 1 events"):
        telemetry.finish(observers, deadline=5)
