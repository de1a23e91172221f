"""The OTLP sink against a loopback receiver: the exact request a real
`fops ci` sends, and faults — sink down, 500s, slow answers, 429 with
Retry-After, 400/413. A non-strict run still succeeds and reports the
losses; a strict run (FRACTALOPS_BUILD_EVENTS_STRICT=true) fails naming
the sink and its answer."""
import collections
import re
import textwrap

from fixtures.ports import free_port
from fixtures.otlp_receiver import Answer, Receiver
from fixtures.telemetry_run import EXPECTED, EXPECTED_TOTAL, fops_env, run_fops

OK_TILTFILE = textwrap.dedent("""\
    from fops.tiltfile import *
    local_resource("build", cmd="echo building")
    local_resource("test", cmd="echo testing", resource_deps=["build"])
""")
OK_EVENTS = 6  # session.started, 2 x (resource.started + resource.finished), session.stopped


def project(tmp_path):
    (tmp_path / "Tiltfile.py").write_text(OK_TILTFILE)
    return tmp_path


def otlp_env(url, **more):
    variables = dict(OTEL_EXPORTER_OTLP_ENDPOINT=url, FRACTALOPS_BUILD_EVENTS_FLUSH_TIMEOUT_MS="4000")
    variables.update(more)
    return fops_env(**variables)


def summary(run, sink="otlp"):
    return next(l for l in run.stderr.splitlines() if l.startswith(f"telemetry: {sink} "))


def distinct_batches(rx):
    """True when no batch was sent twice (no retry happened)."""
    bodies = [r.body for r in rx.requests]
    return bodies and len(set(bodies)) == len(bodies)


def counts(line):
    """(delivered, dropped, failed) of a summary line."""
    m = re.search(r"(\d+) delivered, (\d+) dropped, (\d+) failed", line)
    return tuple(int(n) for n in m.groups())


def test_the_request_has_the_exact_otlp_shape(tmp_path):
    from fixtures.telemetry_run import make_repo

    make_repo(tmp_path)
    with Receiver() as rx:
        run = run_fops(tmp_path, env=otlp_env(
            rx.url, OTEL_EXPORTER_OTLP_HEADERS="x-tenant=team%20a,Authorization=Bearer%20tok"))
        assert run.returncode == 1, run.stderr
        assert f"{EXPECTED_TOTAL} delivered, 0 dropped, 0 failed" in summary(run)
        assert rx.requests, "nothing was sent"
        for request in rx.requests:
            assert request.method == "POST"
            assert request.path == "/v1/logs"
            assert request.headers["content-type"] == "application/json"
            assert request.headers["x-tenant"] == "team a"
            assert request.headers["authorization"] == "Bearer tok"
            body = request.json()
            assert list(body) == ["resourceLogs"]
            (resource_logs,) = body["resourceLogs"]
            assert resource_logs["resource"]["attributes"] == [
                {"key": "service.name", "value": {"stringValue": "fops"}}]
            (scope_logs,) = resource_logs["scopeLogs"]
            assert scope_logs["scope"] == {"name": "fops.telemetry"}
            for record in scope_logs["logRecords"]:
                assert set(record) == {"timeUnixNano", "observedTimeUnixNano", "severityNumber",
                                       "severityText", "eventName", "body", "attributes"}
                assert isinstance(record["timeUnixNano"], str) and record["timeUnixNano"].isdigit()
                assert record["body"] == {"stringValue": record["eventName"]}
                for kv in record["attributes"]:
                    assert set(kv) == {"key", "value"}
                    (kind,) = kv["value"]
                    assert kind == ("intValue" if kv["key"] == "duration_ms" else "stringValue")
                    if kind == "intValue":
                        assert isinstance(kv["value"]["intValue"], str)
        assert collections.Counter(r["eventName"] for r in rx.records()) == EXPECTED


def test_a_sink_that_is_down_is_reported_and_the_build_still_succeeds(tmp_path):
    port = free_port()  # nothing listens there
    run = run_fops(project(tmp_path), env=otlp_env(f"http://127.0.0.1:{port}"))
    assert run.returncode == 0, run.stderr
    line = summary(run)
    delivered, dropped, failed = counts(line)
    assert delivered == 0 and dropped + failed == OK_EVENTS
    assert re.search(r"failed, [1-9]\d* retries", line)  # connection failures are retried
    assert "(last error: POST http://127.0.0.1" in line


def test_a_down_sink_fails_a_strict_run_naming_the_sink(tmp_path):
    port = free_port()
    run = run_fops(project(tmp_path), env=otlp_env(f"http://127.0.0.1:{port}",
                                                   FRACTALOPS_BUILD_EVENTS_STRICT="true"))
    assert run.returncode == 1
    error = [l for l in run.stderr.splitlines() if l.startswith("fops: build events not delivered")]
    assert len(error) == 1, run.stderr
    assert f"sink otlp (http://127.0.0.1:{port}/v1/logs) lost {OK_EVENTS} of {OK_EVENTS}" in error[0]


def test_500_is_not_retried_and_fails_a_strict_run_quoting_the_answer(tmp_path):
    with Receiver(default=Answer(500, "collector exploded: disk full")) as rx:
        run = run_fops(project(tmp_path), env=otlp_env(rx.url, FRACTALOPS_BUILD_EVENTS_STRICT="1"))
        assert run.returncode == 1
        assert distinct_batches(rx)  # each batch tried once
        assert ("it answered: HTTP 500: collector exploded: disk full" in run.stderr)
        assert f"0 delivered, 0 dropped, {OK_EVENTS} failed" in summary(run)


def test_500_in_a_non_strict_run_is_only_reported(tmp_path):
    with Receiver(default=Answer(500, "nope")) as rx:
        run = run_fops(project(tmp_path), env=otlp_env(rx.url))
        assert run.returncode == 0, run.stderr
        assert "(last error: HTTP 500: nope)" in summary(run)
        assert distinct_batches(rx)


def test_400_and_413_are_not_retried(tmp_path):
    for status in (400, 413):
        with Receiver(default=Answer(status, "too large")) as rx:
            run = run_fops(project(tmp_path), env=otlp_env(rx.url))
            assert run.returncode == 0
            assert distinct_batches(rx), status
            assert f"0 delivered, 0 dropped, {OK_EVENTS} failed" in summary(run)
            assert f"HTTP {status}: too large" in summary(run)


def test_429_with_retry_after_is_honoured_then_delivered(tmp_path):
    with Receiver() as rx:
        rx.script([Answer(429, "slow down", retry_after=1), Answer(503, "busy")])
        run = run_fops(project(tmp_path), env=otlp_env(rx.url, FRACTALOPS_BUILD_EVENTS_STRICT="1"))
        assert run.returncode == 0, run.stderr
        assert f"{OK_EVENTS} delivered, 0 dropped, 0 failed, 2 retries" in summary(run)
        assert len(rx.requests) >= 3
        assert rx.requests[1].time - rx.requests[0].time >= 1.0  # waited as told
        assert rx.requests[0].body == rx.requests[2].body  # the same batch again


def test_slow_answers_time_out_and_count_as_failed(tmp_path):
    with Receiver(default=Answer(200, delay=3)) as rx:
        env = otlp_env(rx.url, OTEL_EXPORTER_OTLP_TIMEOUT="300",
                       FRACTALOPS_BUILD_EVENTS_FLUSH_TIMEOUT_MS="2000")
        run = run_fops(project(tmp_path), env=env)
        assert run.returncode == 0, run.stderr
        line = summary(run)
        delivered, dropped, failed = counts(line)
        assert delivered == 0 and dropped + failed == OK_EVENTS
        assert "timed out" in line  # the last answer: curl's timeout, no credentials
        assert len(rx.requests) >= 2  # a timeout is retried


def test_a_dropped_connection_is_retried(tmp_path):
    with Receiver() as rx:
        rx.script([Answer(drop=True)])
        run = run_fops(project(tmp_path), env=otlp_env(rx.url))
        assert run.returncode == 0, run.stderr
        assert f"{OK_EVENTS} delivered, 0 dropped, 0 failed, 1 retries" in summary(run)
