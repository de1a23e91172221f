#!/usr/bin/env python3
"""The FractalOps build plane on this machine: three docker-registry
instances on 127.0.0.1 in the plane's three roles, and the topology file
that names them.

    python3 local/registries.py start .local    # CA, login, registries, .local/topology.yaml
    python3 local/registries.py env .local      # shell lines for `eval` (the login by reference)
    python3 local/registries.py status .local
    python3 local/registries.py stop .local

- final (role final): HTTPS with a certificate of a CA made here, and a
  login (htpasswd): the images the dev loop pushes.
- mirror (role mirror): HTTPS, anonymous, read-only: pulls only. The local
  images are built FROM scratch, so nothing is pulled through it here.
- cache (role cache): HTTPS and the same login: the build cache scopes
  (`<host>/fractalops/buildcache/<stage>/<target>`).

DIR/topology.yaml is the plane the Tiltfile loads when FRACTALOPS_SITE=local
(build_plane docs: docs/build-plane.md). Its registries name their CA
(`ca_file`) and their login as a reference (`credential: {env:
FRACTALOPS_REGISTRY_PASSWORD, username: fops}`); the password itself is
only in DIR/registries.env (mode 0600), made once with a random value.

Ports are free loopback ports chosen at the first start and kept for the
next ones while they are free (image references carry them: the same
ports let an unchanged image be found again). `stop` stops the three
processes and keeps their storage, the CA and the login; removing DIR
forgets them. Every process runs in its own process group and logs to
DIR/registries/<role>/registry.log. Standard library, openssl and
/usr/bin/docker-registry (Debian's docker-registry package) only.

Exit codes: 0 ok; 1 failure; 2 usage; 3 `status` when not running.
"""
from __future__ import annotations

import argparse
import base64
import contextlib
import fcntl
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

REGISTRY_BIN = os.environ.get("FRACTALOPS_DOCKER_REGISTRY", "/usr/bin/docker-registry")
ROLES = ("final", "mirror", "cache")
USER = "fops"
PASSWORD_ENV = "FRACTALOPS_REGISTRY_PASSWORD"
EXIT_NOT_RUNNING = 3

CONFIG = """\
# {role} registry of the FractalOps local site (written by local/registries.py)
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {storage}
  delete:
    enabled: true
{readonly}http:
  addr: 127.0.0.1:{port}
  tls:
    certificate: {cert}
    key: {key}
{auth}"""

READONLY = """\
  maintenance:
    readonly:
      enabled: true
"""

AUTH = """\
auth:
  htpasswd:
    realm: fractalops-local
    path: {htpasswd}
"""

TOPOLOGY = """\
# The FractalOps build plane on this machine, written by
# `python3 local/registries.py start {dir}` (do not edit: the next start
# writes it again). The same project, stages and targets as
# ops/infra/topology/lxc-pve-lab.yaml, with
#   - loopback registries in the three roles: the final one and the cache
#     want a login behind TLS from the local CA, the mirror is read-only;
#   - tags without {{git}}, so the example runs outside a git work tree too;
#   - FROM scratch builds (no base image can be pulled here), buildah's
#     storage under {dir}/buildah.
# The Tiltfile loads it when FRACTALOPS_SITE=local (README.md).
version: 1
project: fractalops

registries:
  local-final:                       # final images only
    role: final
    host: 127.0.0.1:{final}
    namespace: yamonco
    ca_file: {ca_file}
    credential: {{env: {password_env}, username: {user}}}
  local-mirror:                      # pulls only (read-only)
    role: mirror
    host: 127.0.0.1:{mirror}
    ca_file: {ca_file}
    credential: none
    mirrors: [docker.io]
  local-buildcache:                  # build cache import/export only
    role: cache
    host: 127.0.0.1:{cache}
    ca_file: {ca_file}
    credential: {{env: {password_env}, username: {user}}}

stages:
  dev:
    tag: dev-{{inputs}}
    cache_import: false
    cache_export: false
  staging:
    tag: staging-{{inputs}}
    cache_import: true
    cache_export: true

release:
  tag_pattern: '^v[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.-]+)?$'

targets:
  runtime:
    repository: fractalops-runtime
    context: .
    dockerfile: docker/runtime.Dockerfile
    build_args: {{PYTHON_IMAGE: scratch}}
  portal:
    repository: fractalops-portal
    context: portal
    dockerfile: portal/Dockerfile
    build_args: {{NODE_IMAGE: scratch}}

builder:
  kind: buildah
  platform: linux/amd64
  buildah:
    storage_driver: vfs
    isolation: chroot
    root: {buildah}/root
    runroot: {buildah}/run
"""


class Failure(Exception):
    """A failure reported as one clear message."""


def say(message: str) -> None:
    print(f"registries: {message}", flush=True)


# --------------------------------------------------------------------------
# Processes (the same rules as .ci/local-cluster: a pid counts only with its
# recorded start time, so a reused pid is never signalled)


def proc_stat(pid: int):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[0], int(fields[2]), int(fields[19])


def running(pid: int, start: int) -> bool:
    stat = proc_stat(pid)
    return stat is not None and stat[0] != "Z" and stat[2] == start


def group_alive(pgid: int) -> bool:
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = proc_stat(int(entry))
            if stat and stat[0] != "Z" and stat[1] == pgid:
                return True
    return False


def kill_group(pgid: int) -> None:
    """SIGTERM, up to 10 s, then SIGKILL."""
    for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, sig)
        deadline = time.monotonic() + grace
        while group_alive(pgid) and time.monotonic() < deadline:
            time.sleep(0.02)
        if not group_alive(pgid):
            return
    raise Failure(f"process group {pgid} survived SIGKILL")


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def free_ports(count: int, avoid=()) -> list:
    sockets, ports = [], []
    try:
        while len(ports) < count:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
            if s.getsockname()[1] not in avoid:
                ports.append(s.getsockname()[1])
    finally:
        for s in sockets:
            s.close()
    return ports


# --------------------------------------------------------------------------
# Files: CA, login, configs


def openssl(*args: str, cwd: str) -> None:
    result = subprocess.run(["openssl", *args], cwd=cwd, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise Failure(f"openssl {args[0]} failed: {result.stderr.strip()}")


def write_private(path: str, text: str) -> None:
    """Writes a file readable by this user only (atomically)."""
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def write_file(path: str, text: str) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def htpasswd_line(password: str) -> str:
    """`fops:<bcrypt>`, as docker-registry's htpasswd wants (bcrypt only)."""
    tool = shutil.which("htpasswd")
    if tool:  # apache2-utils: the password on stdin, never in argv
        out = subprocess.run([tool, "-niB", USER], input=password + "\n", capture_output=True,
                             text=True)
        if out.returncode == 0:
            return out.stdout.strip()
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import crypt
        hashed = crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH))
    except (ImportError, AttributeError, OSError) as exc:
        raise Failure("cannot make a bcrypt htpasswd entry: install apache2-utils (htpasswd) "
                      f"or use a Python with the crypt module ({exc})") from None
    if not hashed or not hashed.startswith("$2"):
        raise Failure("this Python's crypt has no bcrypt: install apache2-utils (htpasswd)")
    return f"{USER}:{hashed}"


class Site:
    def __init__(self, directory: str):
        self.dir = os.path.abspath(directory)
        self.tls = os.path.join(self.dir, "tls")
        self.ca_file = os.path.join(self.tls, "ca", "ca.crt")
        self.cert = os.path.join(self.tls, "registry.crt")
        self.key = os.path.join(self.tls, "registry.key")
        self.base = os.path.join(self.dir, "registries")
        self.state_path = os.path.join(self.base, "state.json")
        self.htpasswd = os.path.join(self.base, "htpasswd")
        self.env_file = os.path.join(self.dir, "registries.env")
        self.topology = os.path.join(self.dir, "topology.yaml")
        self.state: dict = {}

    # ---- state

    def load(self) -> bool:
        try:
            with open(self.state_path) as f:
                self.state = json.load(f)
            return True
        except (OSError, ValueError):
            self.state = {}
            return False

    def save(self) -> None:
        write_file(self.state_path, json.dumps(self.state, indent=2) + "\n")

    @contextlib.contextmanager
    def locked(self):
        os.makedirs(self.base, exist_ok=True)
        with open(os.path.join(self.base, ".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def processes(self) -> dict:
        return self.state.get("processes", {})

    def live(self) -> dict:
        return {role: running(p["pid"], p["start"]) for role, p in self.processes().items()}

    def url(self, role: str) -> str:
        return f"https://127.0.0.1:{self.state['ports'][role]}"

    def password(self) -> str:
        with open(self.env_file) as f:
            for line in f:
                if line.startswith(f"export {PASSWORD_ENV}="):
                    return shlex.split(line.split("=", 1)[1])[0]
        raise Failure(f"{self.env_file} holds no {PASSWORD_ENV}")

    # ---- the registries' own checks

    def ask(self, role: str, login: bool) -> int:
        """The status of GET /v2/ (verified against the local CA)."""
        request = urllib.request.Request(self.url(role) + "/v2/")
        if login:
            token = base64.b64encode(f"{USER}:{self.password()}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        context = ssl.create_default_context(cafile=self.ca_file)
        try:
            with urllib.request.urlopen(request, timeout=2, context=context) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def answering(self) -> bool:
        try:
            return all(self.ask(role, login=role != "mirror") == 200 for role in ROLES)
        except (OSError, KeyError, Failure):
            return False

    # ---- start

    def make_tls(self) -> None:
        if os.path.exists(self.ca_file) and os.path.exists(self.cert):
            return
        os.makedirs(os.path.join(self.tls, "ca"), exist_ok=True)
        os.chmod(self.tls, 0o700)
        ca_key = os.path.join(self.tls, "ca.key")
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-days", "3650", "-subj", "/CN=FractalOps local CA",
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                "-keyout", ca_key, "-out", self.ca_file, cwd=self.tls)
        ext = os.path.join(self.tls, "registry.ext")
        write_file(ext, "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
                        "basicConstraints=critical,CA:FALSE\n")
        csr = os.path.join(self.tls, "registry.csr")
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-subj", "/CN=fractalops-local-registry", "-keyout", self.key, "-out", csr,
                cwd=self.tls)
        openssl("x509", "-req", "-in", csr, "-CA", self.ca_file, "-CAkey", ca_key,
                "-CAcreateserial", "-days", "3650", "-extfile", ext, "-out", self.cert,
                cwd=self.tls)
        for path in (csr, ext, os.path.join(self.tls, "ca", "ca.srl"),
                     os.path.join(self.tls, "ca.srl")):
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)
        for path in (ca_key, self.key):
            os.chmod(path, 0o600)

    def make_login(self) -> None:
        if not os.path.exists(self.env_file):
            write_private(self.env_file,
                          "# The login of the local registries (local/registries.py): "
                          "user " + USER + ". Keep it private.\n"
                          f"export {PASSWORD_ENV}={shlex.quote(secrets.token_urlsafe(24))}\n")
        if not os.path.exists(self.htpasswd):
            write_private(self.htpasswd, htpasswd_line(self.password()) + "\n")

    def choose_ports(self) -> dict:
        old = self.state.get("ports", {})
        if old and all(port_free(old[r]) for r in ROLES):
            return old
        return dict(zip(ROLES, free_ports(len(ROLES))))

    def spawn(self, role: str) -> None:
        home = os.path.join(self.base, role)
        os.makedirs(os.path.join(home, "storage"), exist_ok=True)
        config = os.path.join(home, "config.yml")
        write_file(config, CONFIG.format(
            role=role, storage=os.path.join(home, "storage"), port=self.state["ports"][role],
            cert=self.cert, key=self.key, readonly=READONLY if role == "mirror" else "",
            auth="" if role == "mirror" else AUTH.format(htpasswd=self.htpasswd)))
        log_path = os.path.join(home, "registry.log")
        env = {k: v for k, v in os.environ.items() if k != PASSWORD_ENV}
        with open(log_path, "ab") as log:
            process = subprocess.Popen([REGISTRY_BIN, "serve", config], stdin=subprocess.DEVNULL,
                                       stdout=log, stderr=subprocess.STDOUT, cwd=home, env=env,
                                       start_new_session=True)
        stat = proc_stat(process.pid)
        self.state.setdefault("processes", {})[role] = {"pid": process.pid,
                                                        "start": stat[2] if stat else 0,
                                                        "log": log_path}
        self.save()
        process.returncode = 0  # it outlives this command; init reaps it

    def stop_processes(self) -> list:
        live = self.live()
        for role, alive in live.items():
            if alive:
                kill_group(self.processes()[role]["pid"])
        self.state.pop("processes", None)
        self.save()
        return [role for role, alive in live.items() if alive]

    def write_topology(self) -> bool:
        """Writes DIR/topology.yaml; False when it already says the same."""
        relative = os.path.relpath(self.dir, os.getcwd())
        text = TOPOLOGY.format(dir=relative if not relative.startswith("..") else self.dir,
                               ca_file=self.ca_file, password_env=PASSWORD_ENV, user=USER,
                               buildah=os.path.join(self.dir, "buildah"), **self.state["ports"])
        with contextlib.suppress(OSError):
            with open(self.topology) as f:
                if f.read() == text:
                    return False
        write_file(self.topology, text)
        return True

    def start(self, timeout: float) -> None:
        if not os.access(REGISTRY_BIN, os.X_OK):
            raise Failure(f"{REGISTRY_BIN} is not installed (apt-get install docker-registry)")
        self.make_tls()
        self.make_login()
        self.state["ports"] = self.choose_ports()
        self.save()
        for role in ROLES:
            self.spawn(role)
        deadline = time.monotonic() + timeout
        while not self.answering():
            for role, alive in self.live().items():
                if not alive:
                    log = self.processes()[role]["log"]
                    with open(log, errors="replace") as f:
                        tail = "".join(f.readlines()[-20:])
                    raise Failure(f"the {role} registry exited at start; {log}:\n{tail}")
            if time.monotonic() > deadline:
                raise Failure(f"the registries did not answer within {timeout:g} s "
                              f"(logs in {self.base}/*/registry.log)")
            time.sleep(0.05)


# --------------------------------------------------------------------------
# Commands


def describe(site: Site) -> None:
    ports = site.state["ports"]
    say(f"final  https://127.0.0.1:{ports['final']}  (login {USER}, TLS from {site.ca_file})")
    say(f"mirror https://127.0.0.1:{ports['mirror']}  (read-only, anonymous)")
    say(f"cache  https://127.0.0.1:{ports['cache']}  (login {USER}; scopes "
        f"127.0.0.1:{ports['cache']}/fractalops/buildcache/<stage>/<target>)")


def cmd_start(site: Site, args) -> int:
    with site.locked():
        if site.load() and site.live() and all(site.live().values()) and site.answering():
            changed = site.write_topology()
            say(f"already running in {site.dir}; nothing to do"
                + (f" (wrote {site.topology} again)" if changed else ""))
            return 0
        if site.processes():
            say(f"stopping what a run that did not stop left in {site.dir}")
            site.stop_processes()
        try:
            site.start(args.timeout)
        except BaseException:
            with contextlib.suppress(Failure):
                site.stop_processes()
            raise
        site.write_topology()
        describe(site)
        say(f"plane {site.topology}; login in {site.env_file} (mode 0600)")
        return 0


def cmd_stop(site: Site, args) -> int:
    with site.locked():
        if not site.load() or not site.processes():
            say(f"no registries running in {site.dir}; nothing to stop")
            return 0
        stopped = site.stop_processes()
        say(f"stopped {', '.join(stopped) or 'nothing (they were not running)'}; storage, CA "
            f"and login kept in {site.dir} (remove it to forget them)")
        return 0


def cmd_status(site: Site, args) -> int:
    if not site.load() or not site.processes():
        say(f"no registries running in {site.dir}")
        return EXIT_NOT_RUNNING
    live = site.live()
    for role, process in site.processes().items():
        print(f"{role:7} https://127.0.0.1:{site.state['ports'][role]}  pid {process['pid']:<8} "
              f"{'running' if live[role] else 'NOT running'}  log {process['log']}")
    if all(live.values()) and site.answering():
        return 0
    return EXIT_NOT_RUNNING if not any(live.values()) else 1


def cmd_env(site: Site, args) -> int:
    """Shell lines that select the local site and read the login from its
    file: the password itself is never printed."""
    print(f"export FRACTALOPS_SITE=local")
    print(f"set -a; . {shlex.quote(site.env_file)}; set +a")
    return 0


def main(argv) -> int:
    parser = argparse.ArgumentParser(prog="registries.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (("start", "start the three registries (a no-op when they run)"),
                       ("stop", "stop them (storage, CA and login are kept)"),
                       ("status", "say whether they run (exit 3 when not)"),
                       ("env", "print the shell lines that select the local site")):
        p = sub.add_parser(name, help=text)
        p.add_argument("dir", nargs="?", default=".local")
        if name == "start":
            p.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args(argv)
    site = Site(args.dir)
    command = {"start": cmd_start, "stop": cmd_stop, "status": cmd_status,
               "env": cmd_env}[args.command]
    try:
        return command(site, args)
    except Failure as failure:
        say(f"error: {failure}")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
