"""Client credentials and access tokens.

Secrets are random 256-bit strings shown once; the store keeps only ``scrypt`` hashes
(``scrypt$n$r$p$salt$hash``, compared in constant time). Access tokens are HS256 JWTs that live 24
hours (handbook Table 6.7.1), signed with a server key from ``OPENSTC_JWT_SECRET`` or a key file
created in the data directory on first use.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt

TOKEN_LIFETIME = timedelta(hours=24)
ISSUER = "openstc"
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


def new_client_id() -> str:
    return "osc" + secrets.token_hex(10)


def new_client_secret() -> str:
    return secrets.token_urlsafe(32)


def _b64(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def _unb64(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def hash_secret(secret: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_secret(secret: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(
            secret.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=len(_unb64(digest))
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, _unb64(digest))


def load_signing_key(data_dir: Path | None, env: dict[str, str] | None = None) -> str:
    """``OPENSTC_JWT_SECRET``, else ``<data dir>/jwt.key`` (created with 0600 permissions)."""
    env = dict(os.environ) if env is None else env
    if env.get("OPENSTC_JWT_SECRET"):
        return env["OPENSTC_JWT_SECRET"]
    if data_dir is None:
        return secrets.token_urlsafe(48)  # ephemeral: tokens die with the process
    path = data_dir / "jwt.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    scope: str


def issue_token(
    key: str,
    *,
    user_id: int,
    username: str,
    org_id: int,
    scope: str = "",
    now: datetime | None = None,
    client_id: str | None = None,
) -> IssuedToken:
    """A signed JWT for a user; with ``client_id`` (the token endpoint always passes it) the token names
    the client credentials it was issued for (claim ``cid``) and stops working when they are revoked
    (``openstc.api.deps``, within its principal cache bound)."""
    now = now or datetime.now(UTC)
    exp = now + TOKEN_LIFETIME
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": username,
        "uid": user_id,
        "org": org_id,
        "scp": scope,
        "iat": int(now.timestamp()),
        "exp": int(exp.timestamp()),
        "jti": secrets.token_hex(8),
    }
    if client_id is not None:
        claims["cid"] = client_id
    token = jwt.encode(claims, key, algorithm="HS256")
    return IssuedToken(token, int(TOKEN_LIFETIME.total_seconds()), scope)


def decode_token(key: str, token: str) -> dict[str, Any]:
    """The token's claims; raises ``jwt.InvalidTokenError`` when forged, malformed or expired."""
    claims: dict[str, Any] = jwt.decode(
        token, key, algorithms=["HS256"], issuer=ISSUER, options={"require": ["exp", "iat", "sub", "uid"]}
    )
    return claims
