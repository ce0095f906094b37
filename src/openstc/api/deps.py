"""Request dependencies: the app's state, a database session, and the authenticated principal.

Every non-public route depends on :func:`principal`, which validates the bearer JWT, reloads the
user and builds the policy's Principal. Principals are kept PRINCIPAL_CACHE_S (5 s) per token, so a
disabled or deleted user's tokens, revoked credentials' tokens (those with a ``cid`` claim), and
role, group and ownership changes take effect within 5 s.
Verified token claims are kept until the token expires (a token's claims never change; expiry is
checked on every use), which saves the signature check on each request of the CDM list hot path.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from openstc.api.errors import ApiError, unauthorized
from openstc.auth.accounts import load_principal
from openstc.auth.policy import Principal
from openstc.store.models import ApiClient, User

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
PRINCIPAL_CACHE_S = 5.0


@dataclass
class AppState:
    engine: Engine
    sessions: sessionmaker[Session]
    signing_key: str
    data_dir: Path | None = None
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    # The on-demand queue (openstc.jobs.OnDemandQueue) when jobs run in this process.
    on_demand: object | None = None
    extra: dict[str, object] = field(default_factory=dict)
    # Principals by token for a few seconds: role, group and claim changes apply within PRINCIPAL_CACHE_S.
    principals: dict[tuple[Any, Any, Any], tuple[float, Principal]] = field(default_factory=dict)
    # Verified claims by raw token (signature and issuer checked once; expiry checked on every use).
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)


def state(request: Request) -> AppState:
    st: AppState = request.app.state.openstc
    return st


def db(request: Request) -> Iterator[Session]:
    """A session per request; routes that write open ``session.begin()`` themselves."""
    with state(request).sessions() as session:
        yield session


DB = Annotated[Session, Depends(db)]


def _claims(request: Request) -> dict[str, Any]:
    """The verified claims of the request's bearer token, else 401."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        # TraCSS examples also send the bare token in Authorization; accept that form.
        if header and " " not in header.strip():
            token = header.strip()
        else:
            raise unauthorized()
    st = state(request)
    claims = st.tokens.get(token)
    if claims is not None:
        # What jwt.decode checks that depends on the time: expired when exp <= now (no leeway).
        if int(claims["exp"]) <= time.time():
            st.tokens.pop(token, None)
            raise unauthorized("Unauthorized: the token has expired")
        return claims
    try:
        from openstc.auth.credentials import decode_token

        claims = decode_token(st.signing_key, token)
    except jwt.ExpiredSignatureError:
        raise unauthorized("Unauthorized: the token has expired") from None
    except jwt.InvalidTokenError:
        raise unauthorized("Unauthorized: invalid token") from None
    if not isinstance(claims.get("exp"), int | float) or claims.get("nbf") is not None:
        return claims  # an unusual token: verify it in full every time
    if len(st.tokens) > 10_000:
        st.tokens.clear()
    st.tokens[token] = claims
    return claims


def cached_principal(request: Request) -> tuple[Principal | None, dict[str, Any]]:
    """The request's principal when cached (less than PRINCIPAL_CACHE_S old), and the token's claims:
    lets the hot path skip opening a session. Raises 401 like :func:`principal`."""
    claims = _claims(request)
    hit = state(request).principals.get((claims.get("uid"), claims.get("jti"), claims.get("iat")))
    if hit is not None and time.monotonic() - hit[0] < PRINCIPAL_CACHE_S:
        return hit[1], claims
    return None, claims


def principal(request: Request, session: DB) -> Principal:
    cached, claims = cached_principal(request)
    if cached is not None:
        return cached
    return load_principal_for(request, session, claims)


def load_principal_for(request: Request, session: Session, claims: dict[str, Any]) -> Principal:
    """The principal of verified ``claims`` from the database (the user must still exist and be
    enabled), remembered for PRINCIPAL_CACHE_S."""
    st = state(request)
    user = session.get(User, claims.get("uid"))
    if user is None or user.disabled or user.username != claims.get("sub"):
        raise unauthorized("Unauthorized: the token's user no longer exists or is disabled")
    cid = claims.get("cid")
    if cid is not None:
        # A token naming the client credentials it was issued for dies with them (within the cache
        # bound). Tokens without the claim cannot be tied to credentials: they live until they expire.
        client = session.scalar(select(ApiClient).where(ApiClient.client_id == str(cid)))
        if client is None or client.revoked or client.user_id != user.id:
            raise unauthorized("Unauthorized: the token's client credentials were revoked")
    result = load_principal(session, user)
    session.rollback()  # end the read transaction; routes start their own
    if len(st.principals) > 10_000:
        st.principals.clear()
    st.principals[(claims.get("uid"), claims.get("jti"), claims.get("iat"))] = (time.monotonic(), result)
    return result


Auth = Annotated[Principal, Depends(principal)]


def forbid(message: str) -> ApiError:
    return ApiError(403, f"Forbidden: {message}")
