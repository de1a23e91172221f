#!/usr/bin/env python3
"""Serves the portal on this machine from its pushed image: what the local
site runs instead of the portal's pod (the local cluster runs no container).

    python3 local/portal_image.py REF --port 18080 [--dir .local/portal]

1. copies REF from its registry with skopeo (`docker://REF` -> `dir:`),
   verifying TLS with the local CA and logging in with the local login
   (FRACTALOPS_REGISTRY_PASSWORD, user fops: a login file of its own, mode
   0600, removed as soon as skopeo is done);
2. unpacks the image's layers, in order, into DIR/rootfs;
3. runs the image's command (Entrypoint + Cmd; `node` is this machine's)
   in its WorkingDir with its Env, PORT=--port and HOST=127.0.0.1.

So what answers is exactly what the image build produced and the registry
holds. Standard library and skopeo only.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tarfile

PASSWORD_ENV = "FRACTALOPS_REGISTRY_PASSWORD"


def say(message: str) -> None:
    print(f"portal-image: {message}", flush=True)


def fail(message: str) -> None:
    say(f"error: {message}")
    sys.exit(1)


def copy_image(ref: str, dest: str, ca_dir: str, user: str) -> None:
    """skopeo copy docker://REF dir:DEST with the CA and the login."""
    host = ref.split("/", 1)[0]
    password = os.environ.get(PASSWORD_ENV)
    if not password:
        fail(f"{PASSWORD_ENV} is not set (the local login: `make local-up` writes it to "
             ".local/registries.env)")
    auth = os.path.join(os.path.dirname(dest), "auth.json")
    fd = os.open(auth, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        json.dump({"auths": {host: {"auth": token}}}, f)
    shutil.rmtree(dest, ignore_errors=True)
    try:
        result = subprocess.run(
            ["skopeo", "copy", "--quiet", "--src-cert-dir", ca_dir, "--src-authfile", auth,
             f"docker://{ref}", f"dir:{dest}"],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    finally:
        os.remove(auth)
    if result.returncode != 0:
        fail(f"skopeo copy docker://{ref} failed: {result.stderr.strip()}")


def unpack(image: str, rootfs: str) -> dict:
    """Extracts the layers of the `dir:` image into rootfs; returns its config."""
    with open(os.path.join(image, "manifest.json")) as f:
        manifest = json.load(f)

    def blob(descriptor: dict) -> str:
        return os.path.join(image, descriptor["digest"].split(":", 1)[1])

    shutil.rmtree(rootfs, ignore_errors=True)
    os.makedirs(rootfs)
    for layer in manifest["layers"]:
        with tarfile.open(blob(layer)) as tar:  # gzip or plain, as the registry has it
            members = []
            for member in tar.getmembers():
                directory, name = os.path.split(member.name)
                if name == ".wh..wh..opq":  # an opaque directory: earlier layers' content goes
                    target = os.path.join(rootfs, directory)
                    for entry in os.listdir(target) if os.path.isdir(target) else []:
                        path = os.path.join(target, entry)
                        shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
                elif name.startswith(".wh."):  # a file this layer deletes
                    path = os.path.join(rootfs, directory, name[4:])
                    if os.path.isdir(path) and not os.path.islink(path):
                        shutil.rmtree(path)
                    elif os.path.lexists(path):
                        os.remove(path)
                else:
                    members.append(member)
            # The "data" filter (Python 3.11.4+) keeps every member inside rootfs.
            safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            tar.extractall(rootfs, members=members, **safe)
    with open(blob(manifest["config"])) as f:
        return json.load(f).get("config") or {}


def main(argv) -> int:
    parser = argparse.ArgumentParser(prog="portal_image.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("ref", help="the pushed image: HOST/PATH:TAG")
    parser.add_argument("--port", type=int, required=True, help="where it listens (127.0.0.1)")
    parser.add_argument("--dir", default=".local/portal", help="where the image is unpacked")
    parser.add_argument("--ca-dir", default=".local/tls/ca", help="the registry's CA (*.crt)")
    parser.add_argument("--user", default="fops", help="the registry login's user name")
    args = parser.parse_args(argv)

    work = os.path.abspath(args.dir)
    os.makedirs(work, exist_ok=True)
    image, rootfs = os.path.join(work, "image"), os.path.join(work, "rootfs")
    copy_image(args.ref, image, os.path.abspath(args.ca_dir), args.user)
    config = unpack(image, rootfs)
    command = (config.get("Entrypoint") or []) + (config.get("Cmd") or [])
    if not command:
        fail(f"{args.ref} names no command (Entrypoint/Cmd)")
    program = shutil.which(command[0])
    if program is None:
        fail(f"{command[0]} (the image's command) is not installed on this machine")
    env = {k: v for k, v in os.environ.items() if k != PASSWORD_ENV}
    env.update(item.split("=", 1) for item in config.get("Env") or [] if "=" in item)
    env.update(PORT=str(args.port), HOST="127.0.0.1")
    cwd = os.path.join(rootfs, (config.get("WorkingDir") or "/").lstrip("/"))
    with open(os.path.join(image, "manifest.json"), "rb") as f:
        layers = len(json.load(f)["layers"])
    say(f"{args.ref}: {layers} layers unpacked in {os.path.relpath(rootfs)}; running "
        f"`{' '.join(command)}` in {config.get('WorkingDir') or '/'} on 127.0.0.1:{args.port}")
    os.chdir(cwd)
    os.execve(program, [program] + command[1:], env)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
