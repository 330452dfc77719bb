"""Session tokens: what the browser holds, and how the server checks it was not forged.

A signed-in browser keeps one cookie, ``<token>.<signature>``: a random token and its
HMAC-SHA256 under the cookie secret (`HOTSPOTS_COOKIE_SECRET`). The database keeps only the
token's SHA-256 (`app_session.token_hash`), so neither a copy of the database nor a cookie
made without the secret opens a session; rotating the secret signs everybody out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Final

COOKIE_NAME: Final = "hotspots_session"
TOKEN_BYTES: Final = 32


def new_token() -> str:
    """A fresh random session token (256 bits, URL-safe text)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What the database stores for a token.

    >>> token_hash("abc")[:16]
    'ba7816bf8f01cfea'
    """
    return hashlib.sha256(token.encode()).hexdigest()


def _signature(token: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), token.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign(token: str, secret: str) -> str:
    """The cookie value for a token: ``token.signature``."""
    if not secret:
        raise ValueError("a session cookie cannot be signed without a cookie secret")
    return f"{token}.{_signature(token, secret)}"


def unsign(value: str | None, secret: str) -> str | None:
    """The token of a cookie value whose signature is good under `secret`; else None.

    >>> unsign(sign("tok", "s" * 32), "s" * 32)
    'tok'
    >>> unsign(sign("tok", "s" * 32), "t" * 32) is None
    True
    """
    if not value or not secret or "." not in value:
        return None
    token, _, signature = value.rpartition(".")
    if not token or not hmac.compare_digest(signature, _signature(token, secret)):
        return None
    return token
