"""The OAuth2 client-credentials token endpoint, at the path shape of TraCSS's Okta server.

``POST /oauth2/{authServerId}/v1/token`` with HTTP Basic ``client_id:client_secret`` (or the
``client_id``/``client_secret`` form fields, as RFC 6749 also allows) and
``grant_type=client_credentials``; returns ``access_token``, ``token_type``, ``expires_in`` (24 h)
and ``scope``. Any ``authServerId`` works (``default`` included).
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qs, unquote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from openstc.api.deps import DB, state
from openstc.auth.accounts import authenticate_client
from openstc.auth.credentials import issue_token

router = APIRouter(tags=["auth"])


def _oauth_error(status: int, code: str, description: str) -> JSONResponse:
    # OAuth2 clients read error/error_description; TraCSS clients read error: both are satisfied.
    headers = {"WWW-Authenticate": 'Basic realm="openstc"'} if status == 401 else None
    return JSONResponse(
        {"error": code, "error_description": description}, status_code=status, headers=headers
    )


@router.post(
    "/oauth2/{authServerId}/v1/token",
    summary="Exchange client credentials for a 24-hour access token",
    responses={400: {"description": "Bad request"}, 401: {"description": "Bad client credentials"}},
)
async def token(authServerId: str, request: Request, session: DB) -> JSONResponse:
    body = (await request.body()).decode("utf-8", "replace")
    form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
    client_id = form.get("client_id")
    client_secret = form.get("client_secret")
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return _oauth_error(401, "invalid_client", "malformed Basic authorization header")
        cid, sep, secret = decoded.partition(":")
        if not sep:
            return _oauth_error(401, "invalid_client", "Basic credentials must be client_id:client_secret")
        client_id, client_secret = unquote(cid), unquote(secret)
    if form.get("grant_type") != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "grant_type must be client_credentials")
    if not client_id or not client_secret:
        return _oauth_error(401, "invalid_client", "client credentials are required")
    user = authenticate_client(session, client_id, client_secret)
    if user is None:
        return _oauth_error(401, "invalid_client", "client authentication failed")
    scope = form.get("scope", "")
    issued = issue_token(
        state(request).signing_key,
        user_id=user.id,
        username=user.username,
        org_id=user.org_id,
        scope=scope,
        client_id=client_id,
    )
    return JSONResponse(
        {
            "token_type": "Bearer",
            "expires_in": issued.expires_in,
            "access_token": issued.access_token,
            "scope": scope,
        },
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )
