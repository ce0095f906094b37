"""Request dependencies: the app's state, a database session, and the authenticated principal.

Every non-public route depends on :func:`principal`, which validates the bearer JWT, reloads the
user (a disabled user's tokens stop working at once) and builds the policy's Principal.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from openstc.api.errors import ApiError, unauthorized
from openstc.auth.accounts import load_principal
from openstc.auth.policy import Principal
from openstc.store.models import User

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


def state(request: Request) -> AppState:
    st: AppState = request.app.state.openstc
    return st


def db(request: Request) -> Iterator[Session]:
    """A session per request; routes that write open ``session.begin()`` themselves."""
    with state(request).sessions() as session:
        yield session


DB = Annotated[Session, Depends(db)]


def principal(request: Request, session: DB) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        # TraCSS examples also send the bare token in Authorization; accept that form.
        if header and " " not in header.strip():
            token = header.strip()
        else:
            raise unauthorized()
    try:
        from openstc.auth.credentials import decode_token

        claims = decode_token(state(request).signing_key, token)
    except jwt.ExpiredSignatureError:
        raise unauthorized("Unauthorized: the token has expired") from None
    except jwt.InvalidTokenError:
        raise unauthorized("Unauthorized: invalid token") from None
    st = state(request)
    cache_key = (claims.get("uid"), claims.get("jti"), claims.get("iat"))
    now = time.monotonic()
    hit = st.principals.get(cache_key)
    if hit is not None and now - hit[0] < PRINCIPAL_CACHE_S:
        return hit[1]
    user = session.get(User, claims.get("uid"))
    if user is None or user.disabled or user.username != claims.get("sub"):
        raise unauthorized("Unauthorized: the token's user no longer exists or is disabled")
    result = load_principal(session, user)
    session.rollback()  # end the read transaction; routes start their own
    if len(st.principals) > 10_000:
        st.principals.clear()
    st.principals[cache_key] = (now, result)
    return result


Auth = Annotated[Principal, Depends(principal)]


def forbid(message: str) -> ApiError:
    return ApiError(403, f"Forbidden: {message}")
