"""Python extension points driving the C++ engine: a fops.Executor subclass,
observers, a command policy, and the GIL released while the engine waits."""
import textwrap
import threading

import pytest

import fops
import fops.testing


def load(tmp_path, body):
    path = tmp_path / "Tiltfile.py"
    path.write_text(textwrap.dedent(body))
    return fops.load(str(path))


PIPELINE = """\
    local_resource("build", cmd="make app")
    local_resource("test", cmd=["pytest", "-q"], resource_deps=["build"])
    local_resource("app", serve_cmd="./app --port 8080", resource_deps=["build"])
    local_resource("smoke", cmd="curl -f http://127.0.0.1:8080/", resource_deps=["app"])
"""


class Recorder(fops.Executor):
    """Runs nothing; fails what it is told to; keeps serve commands 'running'."""

    def __init__(self, fail=()):
        super().__init__()
        self.fail = set(fail)
        self.started = []
        self.stopped = []

    def run(self, spec):
        self.started.append((spec.resource, list(spec.argv), spec.serve))
        if spec.serve:
            return None  # keeps running until the engine stops it
        if spec.resource in self.fail:
            return 2, [f"{spec.resource}: something broke", "error: exit 2"]
        return 0, [f"ran {spec.resource}"]

    def stop_serve(self, command_id):
        self.stopped.append(command_id)


def test_a_python_executor_runs_the_pipeline_in_dependency_order(tmp_path):
    ex = Recorder()
    result = fops.Engine(load(tmp_path, PIPELINE), ex).ci()
    assert result.ok, result.summary()
    order = [name for name, _, _ in ex.started]
    assert order.index("build") < order.index("test")
    assert order.index("build") < order.index("app") < order.index("smoke")
    assert ("app", ["sh", "-c", "./app --port 8080"], True) in ex.started
    assert ex.stopped, "ci stops serve commands at the end"
    assert [r.status for r in result.resources] == [fops.ResourceStatus.SUCCEEDED] * 4


def test_a_failure_from_a_python_executor_blocks_dependents_and_keeps_its_last_lines(tmp_path):
    ex = Recorder(fail={"build"})
    result = fops.Engine(load(tmp_path, PIPELINE), ex).ci()
    assert not result.ok
    assert result["build"].status == fops.ResourceStatus.FAILED
    assert result["build"].last_lines[-2:] == ["build: something broke", "error: exit 2"]
    assert result["test"].status == fops.ResourceStatus.BLOCKED
    assert [name for name, _, _ in ex.started] == ["build"]


def test_an_exception_in_run_fails_the_resource_with_its_message(tmp_path):
    class Broken(fops.Executor):
        def run(self, spec):
            raise RuntimeError("no such host")

    result = fops.Engine(load(tmp_path, 'local_resource("a", cmd="x")'), Broken()).ci()
    assert result["a"].status == fops.ResourceStatus.FAILED
    assert "no such host" in result["a"].reason


def test_observers_see_every_event_in_order(tmp_path):
    class Events(fops.Observer):
        def __init__(self):
            super().__init__()
            self.events = []

        def on_resource_started(self, resource, reason):
            self.events.append(("started", resource.name))

        def on_output(self, resource, stream, line):
            self.events.append(("output", resource.name, line))

        def on_resource_finished(self, resource, result):
            self.events.append(("finished", resource.name, result.status))

        def on_run_finished(self, result):
            self.events.append(("run", result.ok))

    events = Events()
    project = load(tmp_path, 'local_resource("a", cmd="x")\nlocal_resource("b", cmd="y", resource_deps=["a"])')
    assert fops.Engine(project, Recorder(), observers=[events]).ci().ok
    assert events.events == [
        ("started", "a"), ("output", "a", "ran a"), ("finished", "a", fops.ResourceStatus.SUCCEEDED),
        ("started", "b"), ("output", "b", "ran b"), ("finished", "b", fops.ResourceStatus.SUCCEEDED),
        ("run", True),
    ]


def test_a_python_policy_refuses_a_command_before_it_reaches_the_executor(tmp_path):
    class NoKubectlSetImage(fops.CommandPolicy):
        def check(self, spec):
            if spec.argv[:3] == ["kubectl", "set", "image"]:
                raise fops.PolicyError("kubectl set image mutates what Argo CD owns")

    ex = Recorder()
    project = load(tmp_path, """\
        local_resource("ok", cmd=["helm", "upgrade", "--install", "api", "charts/api"])
        local_resource("oops", cmd=["kubectl", "set", "image", "deploy/api", "api=x"])
    """)
    with pytest.raises(fops.PolicyError) as refused:  # before anything runs
        fops.Engine(project, ex, policy=NoKubectlSetImage())
    assert "Tiltfile.py:2: resource 'oops': kubectl set image mutates what Argo CD owns" \
        in str(refused.value)
    assert ex.started == []
    result = fops.Engine(project, ex, resources=["ok"], policy=NoKubectlSetImage()).ci()
    assert result["ok"].status == fops.ResourceStatus.SUCCEEDED
    assert [name for name, _, _ in ex.started] == ["ok"]


def test_the_gil_is_released_while_the_engine_waits(tmp_path):
    project = load(tmp_path, 'local_resource("web", serve_cmd="python3 -m http.server")')
    engine = fops.Engine(project, fops.DryRunExecutor())
    results = []
    runner = threading.Thread(target=lambda: results.append(engine.up()))
    runner.start()
    runner.join(0.2)
    assert runner.is_alive(), "up() keeps serving until stopped"
    engine.request_stop()  # this thread runs while up() waits: the GIL is free
    runner.join(10)
    assert not runner.is_alive()
    assert results[0]["web"].status in (fops.ResourceStatus.SUCCEEDED, fops.ResourceStatus.CANCELLED)


def test_selection_and_max_parallel_reach_the_engine(tmp_path):
    ex = fops.testing.ScriptedExecutor()
    project = load(tmp_path, PIPELINE)
    assert fops.Engine(project, ex, resources=["test"]).ci().ok
    assert ex.commands() == ["make app", "pytest -q"]


def test_engine_errors_map_to_fops_errors(tmp_path):
    project = load(tmp_path, PIPELINE)
    with pytest.raises(fops.ConfigError, match="nope"):
        fops.Engine(project, fops.DryRunExecutor(), resources=["nope"])
