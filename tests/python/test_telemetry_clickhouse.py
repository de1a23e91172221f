"""Build Plane Events into a real ClickHouse (Debian's 18.16 here): the DDL
that `fops telemetry ddl` prints creates the table, and a real `fops ci`
run's events are queried back over HTTP, counted exactly, fields checked;
credentials travel as X-ClickHouse-User / X-ClickHouse-Key only."""
import collections
import json

from fixtures.clickhouse import clickhouse  # noqa: F401 (fixture)
from fixtures.telemetry_run import EXPECTED, EXPECTED_TOTAL, fops_env, make_repo, run_fops

import fops.telemetry


def create_table(server, database):
    ddl = run_fops(".", "telemetry", "ddl", "--database", database, env=fops_env())
    assert ddl.returncode == 0, ddl.stderr
    statements = [s.strip() for s in ddl.stdout.split(";") if s.strip()]
    assert len(statements) == 2
    for statement in statements:
        server.query(statement)


def clickhouse_env(server, database, **more):
    variables = dict(FRACTALOPS_BUILD_EVENTS_ENABLED="true",
                     FRACTALOPS_CLICKHOUSE_HOST_PORT=server.host_port,
                     FRACTALOPS_CLICKHOUSE_DATABASE=database,
                     FRACTALOPS_CLICKHOUSE_USER=server.user,
                     FRACTALOPS_CLICKHOUSE_PASSWORD=server.password)
    variables.update(more)
    return fops_env(**variables)


def rows(server, sql):
    return [json.loads(line) for line in server.query(sql + " FORMAT JSONEachRow").splitlines()]


def test_the_printed_ddl_creates_a_table_with_every_field(clickhouse):
    create_table(clickhouse, "ddl_check")
    create_table(clickhouse, "ddl_check")  # IF NOT EXISTS: applying twice is fine
    columns = [r["name"] for r in rows(clickhouse, "DESCRIBE TABLE ddl_check.build_events")]
    assert set(fops.telemetry.EVENT_FIELDS) <= set(columns)
    assert "timestamp_ms" in columns
    engine = rows(clickhouse, "SELECT engine FROM system.tables "
                              "WHERE database = 'ddl_check' AND name = 'build_events'")
    assert engine == [{"engine": "MergeTree"}]


def test_a_real_fops_ci_run_lands_in_clickhouse_counted_exactly(clickhouse, tmp_path):
    create_table(clickhouse, "warehouse")
    head = make_repo(tmp_path)
    run = run_fops(tmp_path, env=clickhouse_env(clickhouse, "warehouse"))
    assert run.returncode == 1, run.stderr  # the project's `broken` resource fails
    assert (f"telemetry: clickhouse http://{clickhouse.host_port} warehouse.build_events: "
            f"{EXPECTED_TOTAL} delivered, 0 dropped, 0 failed") in run.stderr
    # No events file: ClickHouse replaces the default sink.
    assert not (tmp_path / ".fops" / "events.jsonl").exists()

    events = rows(clickhouse, "SELECT * FROM warehouse.build_events ORDER BY timestamp_ms, event")
    assert collections.Counter(e["event"] for e in events) == EXPECTED
    assert len({e["session_id"] for e in events}) == 1
    for e in events:
        assert e["git_revision"] == head
        assert e["runner"] == "local"
        assert e["mode"] == "development"
        assert e["host"]
        assert int(e["timestamp_ms"]) // 1000 == int(
            clickhouse.query(f"SELECT toUnixTimestamp(toDateTime('{e['timestamp']}', 'UTC'))"))

    by = {(e["event"], e["resource"]): e for e in events}
    broken = by[("resource.finished", "broken")]
    assert broken["status"] == "failed" and broken["detail"] == "exit 3"
    pushed = by[("image.pushed", "runtime")]
    assert pushed["image_ref"] == "127.0.0.1:5000/fractalops/runtime:dev-1a2b3c"
    assert (pushed["target"], pushed["stage"], pushed["kind"]) == ("runtime", "dev", "image")
    assert by[("cache.exported", "runtime")]["cache_scope"] == \
        "127.0.0.1:5001/fractalops/buildcache/dev/runtime"
    upgraded = by[("release.upgraded", "api")]
    assert (upgraded["release"], upgraded["namespace"]) == ("fractalops-api-dev", "fractalops-dev")
    assert by[("smoke.finished", "routes")]["status"] == "succeeded"
    stopped = by[("session.stopped", "")]
    assert stopped["status"] == "failed"
    times = [int(e["timestamp_ms"]) for e in events]
    assert int(by[("session.started", "")]["timestamp_ms"]) == min(times)
    assert int(stopped["timestamp_ms"]) == max(times)


def test_wrong_credentials_are_a_reported_failure_not_a_failed_build(clickhouse, tmp_path):
    create_table(clickhouse, "creds")
    make_repo(tmp_path)
    env = clickhouse_env(clickhouse, "creds", FRACTALOPS_CLICKHOUSE_PASSWORD="wrong-canary-pw")
    run = run_fops(tmp_path, env=env)
    assert run.returncode == 1  # only `broken` fails the run, not telemetry
    line = next(l for l in run.stderr.splitlines() if l.startswith("telemetry: clickhouse"))
    assert f"0 delivered, 0 dropped, {EXPECTED_TOTAL} failed" in line
    assert "HTTP 401" in line and "Wrong password" in line
    assert "wrong-canary-pw" not in run.stderr + run.stdout
    assert clickhouse.query("SELECT count() FROM creds.build_events").strip() == "0"
