"""No secrets in Build Plane telemetry: canary values set in the
environment (secret-looking variables), in the OTLP headers and as the
ClickHouse password, and pushed into event fields by the Tiltfile, never
appear in any sink's payload (OTLP, ClickHouse, JSON lines), on stderr, or
in the strict-mode error — even when a sink answers with them."""
import textwrap

from fixtures.otlp_receiver import Answer, Receiver
from fixtures.telemetry_run import fops_env, run_fops

TOKEN = "tok-canary-5b1e9f"  # in a secret-looking variable
HEADER = "hdr-canary-77c0d2"  # only in OTEL_EXPORTER_OTLP_HEADERS
PASSWORD = "pw-canary-e41a6b"  # only in FRACTALOPS_CLICKHOUSE_PASSWORD
CANARIES = (TOKEN, HEADER, PASSWORD)

TILTFILE = textwrap.dedent("""\
    import os
    from fops.tiltfile import *
    from fops import _fops, context

    token = os.environ["DEPLOY_TOKEN"]
    # A careless Tiltfile: the token ends up in a reference and a target.
    context.current().add(_fops.Resource(
        name="runtime", kind="image", cmd="echo build",
        inputs=_fops.UpdateInputs(values={"target": "runtime-" + token, "stage": "dev"},
                                  produces="127.0.0.1:5000/x:" + token)))
    local_resource("leaky", cmd="echo using $DEPLOY_TOKEN; exit 4")
""")


def test_canaries_never_leave_the_process(tmp_path):
    (tmp_path / "Tiltfile.py").write_text(TILTFILE)
    # The OTLP sink answers 401 quoting the credentials it got; the
    # "ClickHouse" answers 500 quoting them too.
    with Receiver(default=Answer(401, f"bad credentials: Authorization Bearer {HEADER}")) as otlp, \
         Receiver(default=Answer(500, f"Code: 193, Wrong password {PASSWORD} for {TOKEN}")) as ch:
        env = fops_env(
            DEPLOY_TOKEN=TOKEN,
            OTEL_EXPORTER_OTLP_ENDPOINT=otlp.url,
            OTEL_EXPORTER_OTLP_HEADERS=f"Authorization=Bearer%20{HEADER}",
            FRACTALOPS_BUILD_EVENTS_ENABLED="true",
            FRACTALOPS_CLICKHOUSE_HOST_PORT=ch.url,
            FRACTALOPS_CLICKHOUSE_USER="builder",
            FRACTALOPS_CLICKHOUSE_PASSWORD=PASSWORD,
            FRACTALOPS_BUILD_EVENTS_JSONL="true",
            FRACTALOPS_BUILD_EVENTS_STRICT="true")
        run = run_fops(tmp_path, env=env)

        # The credentials did go where they belong: request headers only.
        assert otlp.requests and ch.requests
        assert otlp.requests[0].headers["authorization"] == f"Bearer {HEADER}"
        assert ch.requests[0].headers["x-clickhouse-user"] == "builder"
        assert ch.requests[0].headers["x-clickhouse-key"] == PASSWORD
        for request in ch.requests:
            assert PASSWORD not in request.path and "builder" not in request.path

        payloads = [r.body.decode() for r in otlp.requests + ch.requests]
        payloads.append((tmp_path / ".fops" / "events.jsonl").read_text())
        for canary in CANARIES:
            for payload in payloads:
                assert canary not in payload
            assert canary not in run.stderr, run.stderr
            assert canary not in run.stdout
        # The fields were there, masked.
        assert "127.0.0.1:5000/x:[REDACTED]" in payloads[-1]

        # Strict mode failed the run, naming each sink and its (redacted) answer.
        assert run.returncode == 1
        error = next(l for l in run.stderr.splitlines() if "build events not delivered" in l)
        assert "sink otlp" in error and "HTTP 401: bad credentials" in error
        assert "sink clickhouse" in error and "HTTP 500: Code: 193" in error
        assert "[REDACTED]" in error
