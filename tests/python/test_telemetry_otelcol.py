"""A real OpenTelemetry Collector (built by .ci/tools/otelcol.sh with the
collector builder: OTLP/HTTP receiver, file exporter) receives the OTLP
logs of a real `fops ci` run; the events are read back from its file."""
import collections

from fixtures.otelcol import otelcol  # noqa: F401 (fixture)
from fixtures.telemetry_run import EXPECTED, EXPECTED_TOTAL, fops_env, make_repo, run_fops


def attributes(record):
    out = {}
    for kv in record["attributes"]:
        value = kv["value"]
        out[kv["key"]] = value.get("stringValue", value.get("intValue"))
    return out


def test_a_real_fops_ci_run_reaches_the_collector(otelcol, tmp_path):
    head = make_repo(tmp_path)
    env = fops_env(OTEL_EXPORTER_OTLP_ENDPOINT=otelcol.endpoint,
                   OTEL_SERVICE_NAME="fractalops-build",
                   OTEL_RESOURCE_ATTRIBUTES="deployment.environment=dev")
    run = run_fops(tmp_path, env=env)
    assert run.returncode == 1, run.stderr  # `broken` fails; telemetry does not
    assert (f"telemetry: otlp {otelcol.endpoint}/v1/logs: {EXPECTED_TOTAL} delivered, "
            f"0 dropped, 0 failed") in run.stderr

    records = otelcol.wait_for_records(EXPECTED_TOTAL)
    assert collections.Counter(r["record"]["eventName"] for r in records) == EXPECTED
    resource = {kv["key"]: kv["value"]["stringValue"] for kv in records[0]["resource"]["attributes"]}
    assert resource == {"service.name": "fractalops-build", "deployment.environment": "dev"}
    assert records[0]["scope"]["name"] == "fops.telemetry"

    sessions = set()
    for r in records:
        record, attrs = r["record"], attributes(r["record"])
        assert record["body"]["stringValue"] == record["eventName"] == attrs["event"]
        assert int(record["timeUnixNano"]) > 1_600_000_000 * 10**9
        assert attrs["git_revision"] == head
        assert attrs["runner"] == "local"
        sessions.add(attrs["session_id"])
    assert len(sessions) == 1

    failed = [r["record"] for r in records
              if r["record"]["eventName"] == "resource.finished"
              and attributes(r["record"])["resource"] == "broken"]
    assert len(failed) == 1
    assert failed[0]["severityNumber"] == 17 and failed[0]["severityText"] == "ERROR"
    assert attributes(failed[0])["detail"] == "exit 3"
    pushed = next(r["record"] for r in records if r["record"]["eventName"] == "image.pushed")
    assert attributes(pushed)["image_ref"] == "127.0.0.1:5000/fractalops/runtime:dev-1a2b3c"
