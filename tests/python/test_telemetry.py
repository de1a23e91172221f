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


CAP = 8 << 20  # the events file's documented size limit


def fill_to_near_the_cap(path):
    """Appends whole event lines to `path` until it is 10 bytes under the
    cap; returns what it appended."""
    size = path.stat().st_size if path.exists() else 0
    line = json.dumps({"event": "resource.finished", "resource": "earlier"}) + "\n"
    room = CAP - 10 - size
    count = room // len(line) - 1
    last = room - count * len(line)  # one longer line takes up the rest
    pad = last - len(json.dumps({"event": "resource.finished", "detail": ""}) + "\n")
    text = line * count + json.dumps({"event": "resource.finished", "detail": "x" * pad}) + "\n"
    with open(path, "a") as f:
        f.write(text)
    assert path.stat().st_size == CAP - 10
    return text


def test_the_events_file_rotates_at_its_cap_keeping_three_older_files(tmp_path):
    make_repo(tmp_path)
    state = tmp_path / ".fops"
    state.mkdir()
    events = state / "events.jsonl"
    history = fill_to_near_the_cap(events)
    for n in (1, 2, 3):
        (state / f"events.jsonl.{n}").write_text(json.dumps({"event": f"older-{n}"}) + "\n")

    run = run_fops(tmp_path, env=fops_env())
    assert run.returncode == 1, run.stderr  # `broken` fails
    assert "telemetry:" not in run.stderr  # every event delivered
    # The full file moved aside whole; the others moved one place older,
    # the oldest is gone.
    assert (state / "events.jsonl.1").read_text() == history
    assert (state / "events.jsonl.2").read_text() == '{"event": "older-1"}\n'
    assert (state / "events.jsonl.3").read_text() == '{"event": "older-2"}\n'
    assert not (state / "events.jsonl.4").exists()
    # This run's events, every one, whole, in the new file.
    new = [json.loads(line) for line in events.read_text().splitlines()]
    assert collections.Counter(e["event"] for e in new) == EXPECTED

    # The next run appends below the cap: no rotation.
    run_fops(tmp_path, env=fops_env())
    assert (state / "events.jsonl.1").read_text() == history
    after = [json.loads(line) for line in events.read_text().splitlines()]
    assert after[:len(new)] == new and after[-1]["event"] == "session.stopped"
    assert not (state / "events.jsonl.4").exists()


def test_a_running_session_writes_to_the_new_file_after_another_run_rotates_it(tmp_path):
    import subprocess
    import sys

    from fixtures.processes import kill_tree, wait_until

    fops_cmd = os.path.join(os.path.dirname(sys.executable), "fops")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "Tiltfile.py").write_text(
        'local_resource("build", cmd="echo built")\n'
        'local_resource("seed", cmd="echo seeded", trigger_mode=TRIGGER_MODE_MANUAL)\n')
    state = tmp_path / ".fops"
    events = state / "events.jsonl"
    env = fops_env()

    def fops(*args):
        return subprocess.run([fops_cmd, *args], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=60)

    def seed_events(path):
        return [e for e in map(json.loads, path.read_text().splitlines())
                if e.get("resource") == "seed"]

    log = open(tmp_path / "up.log", "w")
    up = subprocess.Popen([fops_cmd, "up", "--no-web"], cwd=tmp_path, env=env, stdout=log,
                          stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: (state / "session.sock").exists() and events.exists()
                   and '"resource":"build"' in events.read_text(), what="fops up to run build")
        # The history fills up while the session runs; a `fops ci` beside it
        # rotates the file.
        fill_to_near_the_cap(events)
        ci = fops("ci", "build")
        assert ci.returncode == 0, ci.stderr
        assert (state / "events.jsonl.1").stat().st_size == CAP - 10
        # The session's next events go to the new file; its views still answer.
        trigger = fops("trigger", "seed")
        assert trigger.returncode == 0, trigger.stderr
        wait_until(lambda: len(seed_events(events)) == 2, what="seed's events in the new file")
        assert seed_events(state / "events.jsonl.1") == []
        status = fops("status", "--json")
        assert status.returncode == 0, status.stderr
        seed = next(r for r in json.loads(status.stdout)["resources"] if r["name"] == "seed")
        assert seed["state"] == "succeeded"
        logs = fops("logs", "seed")
        assert "seed │ seeded" in logs.stdout, logs.stderr
    finally:
        kill_tree(up)
        log.close()
