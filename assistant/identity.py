"""Signed, expiring tokens: a customer's chat sign-in, and one conversation's survey.

Both are JSON Web Tokens (PyJWT, HS256), each with its own key and audience,
and both must carry an expiry:

- customer tokens (audience `customer-chat`, subject the customer id) are
  minted by the sidecar at sign-in and believed by the Rasa channels; their
  key is `ASSISTANT_TOKEN_SECRET` (token mode) or, in demo mode, the key
  generated in `var/customer-token.key`;
- survey tokens (audience `survey`, subject the conversation id) are minted
  by the action server when it asks the survey and checked by the sidecar
  when the answers arrive; their key is `ASSISTANT_SURVEY_SECRET` or
  `var/survey.key`, and the action server holds no other.

A token of one kind is refused as the other (wrong audience, and another key).
Staff sessions are not tokens: see assistant/staff_sessions.py.
"""

from __future__ import annotations

import time
from typing import Any, Dict, Optional

import jwt

from assistant.keys import configured, secret

TOKEN_SECRET_ENV = "ASSISTANT_TOKEN_SECRET"
DEFAULT_TTL_SECONDS = 8 * 3600
SURVEY_TTL_SECONDS = 7 * 24 * 3600
ALGORITHM = "HS256"
CUSTOMER_AUDIENCE = "customer-chat"
SURVEY_AUDIENCE = "survey"
ISSUER = "northwind-assistant"


class InvalidToken(ValueError):
    """The token is malformed, forged, expired or meant for something else."""


def configured_secret() -> Optional[str]:
    """`ASSISTANT_TOKEN_SECRET`, or None in demo mode."""
    return configured("customer")


def customer_token_secret() -> str:
    """The key customer tokens are signed with: `ASSISTANT_TOKEN_SECRET`, or the demo key in var/."""
    return secret("customer")


def survey_secret() -> str:
    """The key survey tokens are signed with: `ASSISTANT_SURVEY_SECRET`, or the key in var/."""
    return secret("survey")


def _now(now: Optional[float]) -> int:
    return int(now if now is not None else time.time())


def _mint(claims: Dict[str, Any], key: str, audience: str, ttl_seconds: int, now: Optional[float]) -> str:
    issued = _now(now)
    payload = {**claims, "aud": audience, "iss": ISSUER, "iat": issued, "exp": issued + ttl_seconds}
    return jwt.encode(payload, key, algorithm=ALGORITHM)


def _verify(token: str, key: str, audience: str, now: Optional[float]) -> Dict[str, Any]:
    if not isinstance(token, str) or not token or len(token) > 2000:
        raise InvalidToken("malformed token")
    try:
        # PyJWT checks expiry against the clock; a test's `now` is applied below instead.
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "aud", "iss"], "verify_exp": now is None},
        )
    except jwt.ExpiredSignatureError as error:
        raise InvalidToken("token expired") from error
    except jwt.InvalidAudienceError as error:
        raise InvalidToken("token meant for something else") from error
    except jwt.InvalidSignatureError as error:
        raise InvalidToken("bad signature") from error
    except jwt.PyJWTError as error:
        raise InvalidToken("malformed token") from error
    if now is not None and int(claims["exp"]) < _now(now):
        raise InvalidToken("token expired")
    return claims


def mint_customer_token(
    customer_id: str, secret: str, ttl_seconds: int = DEFAULT_TTL_SECONDS, now: Optional[float] = None
) -> str:
    if not customer_id:
        raise ValueError("customer id must be non-empty")
    return _mint({"sub": customer_id}, secret, CUSTOMER_AUDIENCE, ttl_seconds, now)


def verify_customer_token(token: str, secret: str, now: Optional[float] = None) -> str:
    """The customer id the token was minted for; raises InvalidToken otherwise."""
    return str(_verify(token, secret, CUSTOMER_AUDIENCE, now)["sub"])


def mint_survey_token(
    conversation_id: str, customer_id: Optional[str], secret: str, now: Optional[float] = None
) -> str:
    return _mint({"sub": conversation_id, "customer": customer_id}, secret, SURVEY_AUDIENCE, SURVEY_TTL_SECONDS, now)


def verify_survey_token(token: str, secret: str, now: Optional[float] = None) -> Dict[str, Any]:
    """{"conversation_id", "customer_id"} the token was signed for; raises InvalidToken."""
    claims = _verify(token, secret, SURVEY_AUDIENCE, now)
    return {"conversation_id": claims["sub"], "customer_id": claims.get("customer")}
