"""The guard from Python and from the command line: the shared corpus
(tests/data/guard_corpus.txt) through fops.Guard, `fops guard` exit codes and
output, guard_settings() from a Tiltfile, and the guard as the engine's
policy (a refused command never reaches the executor)."""
import json
import os
import subprocess
import sys
import textwrap

import pytest

import fops
from fops import testing

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CORPUS = os.path.join(REPO, "tests", "data", "guard_corpus.txt")


def corpus():
    with open(CORPUS, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip() or line.startswith("#"):
                continue
            mode, verdict, rule, command = line.rstrip("\n").split(None, 3)
            try:
                parsed = json.loads(command)
            except ValueError:
                parsed = command
            yield number, mode, verdict, rule, parsed


def corpus_guard(mode):
    """The guard every corpus line is checked with (see the corpus's header)."""
    targets = [("fractalops-api", "fractalops")] if mode == "staging" else []
    return fops.Guard(mode=mode, staging_targets=targets, allowed_contexts=["fops-local"],
                      current_context="fops-local")


def test_corpus_through_the_python_guard():
    cases = list(corpus())
    assert len(cases) >= 150
    failures = []
    for number, mode, verdict, rule, command in cases:
        guard = corpus_guard(mode)
        refusal = guard.refusal(command)
        got = ("allow", "-") if refusal is None else ("refuse", refusal[0])
        if got != (verdict, rule):
            failures.append(f"guard_corpus.txt:{number}: {command!r}: expected {verdict} {rule}, "
                            f"got {got}")
    assert not failures, "\n".join(failures)


def test_check_raises_policy_error_and_accepts_env():
    guard = fops.Guard()
    with pytest.raises(fops.PolicyError, match=r"refused by guard rule kubectl-mutation: kubectl "
                                               r"is for diagnostics only; the dev loop never "
                                               r"changes a live workload \(kubectl set image "
                                               r"deploy/api …\)"):
        guard.check(["kubectl", "set", "image", "deploy/api", "api=x"])
    assert guard.check_shell("kubectl get pods") is None
    guard.check_shell('helm upgrade --install a-dev c -n "$NS"', env={"NS": "fractalops-dev"})
    with pytest.raises(fops.PolicyError, match="helm-dev-namespace"):
        guard.check_shell('helm upgrade --install a-dev c -n "$NS"', env={"NS": "prod"})
    assert fops.Guard(mode="deploy").mode == "deployment"
    with pytest.raises(fops.ConfigError, match="unknown mode 'prod'"):
        fops.Guard(mode="prod")
    with pytest.raises(fops.ConfigError, match="dev_namespaces"):
        fops.Guard(dev_namespaces=[])


def fops_cmd(*args, cwd=None, env=None):
    return subprocess.run([sys.executable, "-m", "fops", *args], cwd=cwd, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)


def test_fops_guard_cli_exit_codes_and_output(tmp_path):
    refused = fops_cmd("guard", "--", "kubectl", "-n", "x", "set", "image", "deploy/api", "api=y")
    assert refused.returncode == 3
    assert "refused (development mode): kubectl -n x set image deploy/api api=y" in refused.stderr
    assert ("refused by guard rule kubectl-mutation: kubectl is for diagnostics only; the dev "
            "loop never changes a live workload (kubectl set image deploy/api …)") in refused.stderr
    assert refused.stderr.endswith("\nfops: `fops guard --explain kubectl-mutation`: why the rule "
                                   "exists and what to do instead\n")

    allowed = fops_cmd("guard", "--shell", "make && kubectl get pods")
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stdout == "allowed (development mode): make && kubectl get pods\n"

    sync = fops_cmd("guard", "--mode", "deployment", "--", "argocd", "app", "sync", "fractalops-api")
    assert sync.returncode == 0, sync.stderr
    assert fops_cmd("guard", "--", "argocd", "app", "sync", "fractalops-api").returncode == 3

    script = tmp_path / "deploy.sh"
    script.write_text("#!/bin/sh\nset -e\nmake\nsudo kubectl rollout restart deploy/api\n")
    checked = fops_cmd("guard", "--script", str(script))
    assert checked.returncode == 3
    assert "kubectl rollout restart" in checked.stderr

    rules = fops_cmd("guard", "--rules")
    assert rules.returncode == 0
    for rule_id, _, _ in fops._fops.guard_rules():
        assert f"\n{rule_id}\n" in "\n" + rules.stdout

    nothing = fops_cmd("guard")
    assert nothing.returncode == 2
    assert "nothing to check" in nothing.stderr


FOPS = os.path.join(os.path.dirname(sys.executable), "fops")


def run_fops(*args, cwd=None):
    """The real installed `fops` command."""
    return subprocess.run([FOPS, *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=60)


def test_refusals_give_a_reason_in_fops_words_and_no_file_to_read():
    for number, mode, verdict, rule, command in corpus():
        if verdict != "refuse":
            continue
        _, message = corpus_guard(mode).refusal(command)
        reason = next(r for i, r, _ in fops._fops.guard_rules() if i == rule)
        assert message.startswith(f"refused by guard rule {rule}: {reason} ("), (number, message)
        for outside in ("Tilt ", "seed", "docs/", ".md"):
            assert outside not in message, (number, message)


def test_fops_guard_explain_says_why_what_to_do_instead_and_shows_examples():
    explained = run_fops("guard", "--explain", "kubectl-mutation")
    assert explained.returncode == 0, explained.stderr
    text = explained.stdout
    assert text.startswith("kubectl-mutation\n  kubectl is for diagnostics only; the dev loop "
                           "never changes a live workload\n")
    for heading in ("\nRefuses:\n", "\nWhy:\n", "\nInstead:\n", "\nRefused in development mode:\n",
                    "\nAllowed in development mode:\n"):
        assert heading in text
    assert "\n  kubectl set image deploy/api api=ghcr.io/yamonco/api:dev-1a2b\n" in text
    assert "\n  kubectl get pods -n fractalops-dev\n" in text
    staging = run_fops("guard", "--explain", "helm-staging-target")
    assert "\nRefused in staging mode:\n" in staging.stdout
    for rule_id, _, _ in fops._fops.guard_rules():
        assert fops._fops.explain_guard_rule(rule_id).startswith(f"{rule_id}\n  ")


def test_fops_guard_explain_an_unknown_rule_names_the_closest():
    typo = run_fops("guard", "--explain", "kubectl-mutations")
    assert typo.returncode == 2
    assert ("fops: unknown guard rule 'kubectl-mutations'; did you mean kubectl-mutation?"
            in typo.stderr)
    assert typo.stdout == ""
    part = run_fops("guard", "--explain", "helm")
    assert part.returncode == 2
    assert ("did you mean helm-kube-context, helm-dev-namespace, helm-dev-release, "
            "helm-staging-target, helm-argo-owned?") in part.stderr
    with pytest.raises(fops.ConfigError, match="unknown guard rule 'nope'; the rules are "
                                               "unreadable, preview-workspace, "):
        fops._fops.explain_guard_rule("nope")


def test_fops_guard_rules_lists_ids_and_one_line_each():
    listed = run_fops("guard", "--rules")
    assert listed.returncode == 0
    lines = listed.stdout.splitlines()
    for rule_id, _, refuses in fops._fops.guard_rules():
        at = lines.index(rule_id)
        assert lines[at + 1] == f"  {refuses}"
    assert "fops guard --explain RULE" in listed.stdout


def test_fops_guard_script_names_the_line_of_every_refused_command(tmp_path):
    (tmp_path / "lib.sh").write_text("restart() { kubectl rollout restart deploy/api; }\n")
    script = tmp_path / "deploy.sh"
    script.write_text(textwrap.dedent("""\
        #!/bin/sh
        set -e
        make build
        K=kubectl
        $K set image deploy/api api=ghcr.io/yamonco/api:dev-1
        helm upgrade --install api-dev charts/api -n fractalops-dev
        if [ -n "$PUSH" ]; then
          docker push \\
            ghcr.io/yamonco/api:v1.2.3
        fi
        kubectl get pods -n fractalops-dev
        . ./lib.sh
        argocd app sync fractalops-api \\
          --auth-token s3cr3t-t0ken
        echo done
    """))
    checked = run_fops("guard", "--script", "deploy.sh", cwd=tmp_path)
    assert checked.returncode == 3
    assert checked.stdout == ""
    assert checked.stderr.splitlines() == [
        "deploy.sh:5: $K set image deploy/api api=ghcr.io/yamonco/api:dev-1: refused by guard "
        "rule kubectl-mutation: kubectl is for diagnostics only; the dev loop never changes a "
        "live workload (kubectl set image deploy/api …)",
        "deploy.sh:8: docker push ghcr.io/yamonco/api:v1.2.3: refused by guard rule "
        "release-tag-push: release tags come from the release pipeline; the dev loop pushes dev "
        "tags only (docker pushes ghcr.io/yamonco/api:v1.2.3 under release tag v1.2.3 in "
        "development mode)",
        "deploy.sh:12: . ./lib.sh: refused by guard rule kubectl-mutation: kubectl is for "
        "diagnostics only; the dev loop never changes a live workload (kubectl rollout restart "
        "deploy/api) [via . ./lib.sh]",
        "deploy.sh:13: argocd app sync fractalops-api --auth-token [REDACTED]: refused by guard "
        "rule argo-sync-outside-deploy: only deployment mode hands releases back to Argo CD: run "
        "fops mode deploy (argocd app sync in development mode)",
    ] + [f"fops: `fops guard --explain {rule}`: why the rule exists and what to do instead"
         for rule in ("kubectl-mutation", "release-tag-push", "argo-sync-outside-deploy")]

    clean = tmp_path / "clean.sh"
    clean.write_text("make build\nkubectl get pods\n")
    allowed = run_fops("guard", "--script", str(clean))
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stdout == f"allowed (development mode): {clean}\n"

    broken = tmp_path / "broken.sh"
    broken.write_text("make\necho 'never closed\nkubectl delete pod x\n")
    unreadable = run_fops("guard", "--script", str(broken))
    assert unreadable.returncode == 3
    assert unreadable.stderr.startswith(f"{broken}:2: echo 'never closed: refused by guard rule "
                                        "unreadable: ")


def test_fops_guard_reads_guard_settings_from_the_tiltfile(tmp_path):
    (tmp_path / "Tiltfile.py").write_text(textwrap.dedent("""\
        guard_settings(dev_namespaces=["team-dev"], dev_release_suffix="-sandbox")
    """))
    command = ["--", "helm", "upgrade", "--install", "api-sandbox", "charts/api", "-n", "team-dev"]
    assert fops_cmd("guard", "-f", str(tmp_path / "Tiltfile.py"), *command).returncode == 0
    default = fops_cmd("guard", *command)
    assert default.returncode == 3
    assert "helm-dev-namespace" in default.stderr
    flags = fops_cmd("guard", "--dev-namespace", "team-dev", "--dev-release-suffix=-sandbox",
                     *command)
    assert flags.returncode == 0, flags.stderr


def test_the_engine_applies_the_guard_before_anything_runs(tmp_path):
    tiltfile = tmp_path / "Tiltfile.py"
    tiltfile.write_text(textwrap.dedent("""\
        local_resource("build", cmd="make")
        local_resource("oops", cmd="make && kubectl set image deploy/api api=x:1",
                       resource_deps=["build"])
        local_resource("look", cmd=["kubectl", "get", "pods"], resource_deps=["build"])
    """))
    executor = testing.ScriptedExecutor()
    with pytest.raises(fops.PolicyError) as refused:
        testing.run_tiltfile(str(tiltfile), executor)
    assert "Tiltfile.py:2: resource 'oops': refused by guard rule kubectl-mutation" \
        in str(refused.value)
    assert executor.calls == []  # not even "build" ran
    look = testing.run_tiltfile(str(tiltfile), executor, resources=["look"])
    assert look["look"].status == fops.ResourceStatus.SUCCEEDED
