"""One real-socket smoke test: ``openstc admin init`` then ``openstc serve`` over TLS on 127.0.0.1.

The TraCSS SDK always fetches its token over HTTPS, so this checks the token flow and one API call
through a self-signed certificate, end to end, in a subprocess on a free loopback port.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from openstc.cli import main


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    import ipaddress

    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_tls_token_and_api(tmp_path, capsys):
    env = {**os.environ, "OPENSTC_DATA_DIR": str(tmp_path / "data")}
    env.pop("OPENSTC_DATABASE_URL", None)
    cli = [sys.executable, "-m", "openstc.cli"]
    # admin in-process (one interpreter start less), serve as the real command in a subprocess
    assert (
        main(["admin", "init", "--org", "ACME", "--user", "alice", "--data-dir", str(tmp_path / "data")]) == 0
    )
    out = capsys.readouterr().out
    cid = re.search(r"client_id:\s+(\S+)", out).group(1)
    secret = re.search(r"client_secret:\s+(\S+)", out).group(1)
    cert, key = _self_signed(tmp_path)
    port = _free_port()
    proc = subprocess.Popen(
        [
            *cli,
            "serve",
            "--port",
            str(port),
            "--cert",
            str(cert),
            "--key",
            str(key),
            "--no-jobs",
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"https://127.0.0.1:{port}"
        with httpx.Client(verify=ssl.create_default_context(cafile=str(cert)), timeout=5) as c:
            for _ in range(100):
                try:
                    if c.get(base + "/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            else:
                pytest.fail(
                    "openstc serve did not come up: " + proc.stderr.read().decode() if proc.stderr else ""
                )
            tok = c.post(
                base + "/oauth2/default/v1/token",
                data={"grant_type": "client_credentials", "scope": "tracssusername"},
                auth=(cid, secret),
            )
            assert tok.status_code == 200 and tok.json()["expires_in"] == 86400
            r = c.get(
                base + "/subscriber/topics", headers={"Authorization": "Bearer " + tok.json()["access_token"]}
            )
            assert r.status_code == 200 and "gov.tracss.tracss.v2.cdms" in r.json()
            assert c.get(base + "/metadata/v2/tracssCdm").status_code == 401
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _serve_workers(pid: int) -> set[int]:
    """The serve worker processes of ``pid`` (spawned interpreters; not multiprocessing's tracker)."""
    out = set()
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        cmd = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
        if b"spawn_main" in cmd and b"resource_tracker" not in cmd:
            out.add(int(child))
    return out


def test_serve_restarts_a_dead_worker(tmp_path):
    """``openstc serve --workers 2``: a worker killed by the system is replaced; the API keeps answering."""
    env = {**os.environ, "OPENSTC_DATA_DIR": str(tmp_path / "data")}
    env.pop("OPENSTC_DATABASE_URL", None)
    port = _free_port()
    args = ["serve", "--port", str(port), "--workers", "2", "--no-jobs", "--log-level", "warning"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "openstc.cli", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:

        def wait_for(cond, what):
            for _ in range(150):
                with contextlib.suppress(httpx.TransportError, OSError):
                    if cond():
                        return
                time.sleep(0.2)
            pytest.fail(f"{what} did not happen")

        wait_for(lambda: httpx.get(base + "/health", timeout=2).status_code == 200, "serve start")
        wait_for(lambda: len(_serve_workers(proc.pid)) == 2, "two workers")
        first = _serve_workers(proc.pid)
        victim = min(first)
        os.kill(victim, signal.SIGKILL)
        wait_for(lambda: len(_serve_workers(proc.pid) - {victim}) == 2, "the replacement worker")
        assert _serve_workers(proc.pid) & first == first - {victim}
        for _ in range(20):  # both workers answer (connections spread over them by the kernel)
            assert httpx.get(base + "/health", timeout=5).status_code == 200
    finally:
        proc.terminate()
        err = proc.communicate(timeout=20)[1].decode()
    assert "restarting it" in err
