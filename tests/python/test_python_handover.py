"""How the native `fops` command hands a Tiltfile load to Python, and how
the Python command ends.

The hand-over runs the interpreter fops was built for inside the `fops`
process when that interpreter has a shared libpython (else, or with
FOPS_EMBED_PYTHON=0, it execs Python); either way the Tiltfile must see the
same interpreter, virtualenv, arguments and pid. A finished `fops ci` ends
without the interpreter's teardown: every line printed and every atexit
handler must still get out, and the exit code must stay the run's."""
import json
import os
import subprocess
import sys
import textwrap

FOPS = os.path.join(os.path.dirname(sys.executable), "fops")


def env(tmp_path, **extra):
    values = dict(os.environ)
    values.pop("CI", None)
    values.pop("PYTHONUNBUFFERED", None)  # Python's stdout buffered, as users have it
    values["FOPS_STATE_DIR"] = str(tmp_path / ".fops-state")
    values["FOPS_PLAN_CACHE"] = "0"  # every run loads the Tiltfile in Python
    values.update(extra)
    return values


def python_has_shared_libpython():
    with open("/proc/self/maps") as maps:
        return any("/libpython" in line for line in maps)


def test_the_tiltfile_sees_the_same_python_in_the_fops_process_as_after_exec(tmp_path):
    (tmp_path / "Tiltfile.py").write_text(textwrap.dedent("""\
        import json, os, sys
        print("FACTS " + json.dumps({
            "executable": sys.executable, "prefix": sys.prefix,
            "base_prefix": sys.base_prefix, "argv": sys.argv, "pid": os.getpid(),
            "program": os.path.realpath("/proc/self/exe")}))
        local_resource("noop", cmd="true")
    """))
    facts = {}
    for how, extra in (("in process", {}), ("exec", {"FOPS_EMBED_PYTHON": "0"})):
        process = subprocess.Popen([FOPS, "ci", "noop"], cwd=tmp_path,
                                   env=env(tmp_path, **extra), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        line = next(line for line in out.splitlines() if line.startswith("FACTS "))
        facts[how] = json.loads(line[len("FACTS "):])
        # The pid stays the command's: signals sent to `fops` reach Python.
        assert facts[how]["pid"] == process.pid
    embedded, executed = facts["in process"], facts["exec"]
    for key in ("executable", "prefix", "base_prefix", "argv"):
        assert embedded[key] == executed[key], key
    assert embedded["prefix"] == sys.prefix  # the virtualenv fops is installed in
    assert embedded["argv"] == ["-c", "ci", "noop"]
    assert executed["program"] == os.path.realpath(sys.executable)
    # A sanitized test run restarts every python with its runtime, by exec.
    if python_has_shared_libpython() and not os.environ.get("PYTHON_ASAN_PRELOAD"):
        assert embedded["program"] == os.path.realpath(FOPS)


def test_a_finished_run_keeps_every_line_its_atexit_handlers_and_its_exit_code(tmp_path):
    (tmp_path / "Tiltfile.py").write_text(textwrap.dedent("""\
        import atexit

        def goodbye():
            open("atexit-ran", "w").write("yes")
            print("goodbye from the Tiltfile")  # into Python's buffer, at the very end

        atexit.register(goodbye)
        local_resource("talk", cmd="seq 1 3000 | sed 's/^/line /'")
        local_resource("fail", cmd="echo giving up; exit 4", resource_deps=["talk"])
    """))
    # To a pipe and to a file: C stdio buffers both, the last block must
    # still be written.
    piped = subprocess.run([FOPS, "ci"], cwd=tmp_path, env=env(tmp_path), capture_output=True,
                           text=True, timeout=60)
    with open(tmp_path / "out.txt", "w") as out:
        to_file = subprocess.run([FOPS, "ci"], cwd=tmp_path, env=env(tmp_path), stdout=out,
                                 stderr=subprocess.STDOUT, timeout=60)
    written = (tmp_path / "out.txt").read_text()
    for code, text in ((piped.returncode, piped.stdout), (to_file.returncode, written)):
        assert code == 1
        assert "talk │ line 3000" in text
        assert "fail │ giving up" in text
        assert text.strip().splitlines()[-1] == "goodbye from the Tiltfile"
        assert "1 succeeded, 1 failed" in text
    assert (tmp_path / "atexit-ran").read_text() == "yes"

    (tmp_path / "Tiltfile.py").write_text('local_resource("ok", cmd="echo fine")\n')
    passed = subprocess.run([FOPS, "ci"], cwd=tmp_path, env=env(tmp_path), capture_output=True,
                            text=True, timeout=60)
    assert passed.returncode == 0, passed.stderr
    assert "1 succeeded" in passed.stdout.strip().splitlines()[-1]
