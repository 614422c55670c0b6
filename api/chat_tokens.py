"""`POST /api/chat-token`: the web page's sign-in, which binds a chat to a customer.

The customer proves who they are with account email and postcode; the page
gets a signed, expiring token to send with every chat message (signed with
`ASSISTANT_TOKEN_SECRET`, or in demo mode with the machine's signing key).
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from api.deps import SessionDep, client_address, note_sign_in, refuse_if_limited
from assistant.customers import verify_identity
from assistant.identity import DEFAULT_TTL_SECONDS, customer_token_secret, mint_customer_token

router = APIRouter(prefix="/api", tags=["chat"])


class SignIn(BaseModel):
    email: str = Field(..., min_length=3, max_length=200)
    postcode: str = Field(..., min_length=2, max_length=12)


class ChatToken(BaseModel):
    token: str
    customer_id: str
    first_name: str
    expires_in: int


@router.post(
    "/chat-token",
    response_model=ChatToken,
    summary="Sign a customer in to the chat",
    responses={429: {"description": "Too many tries from this address or for this email: see Retry-After"}},
)
def chat_token(body: SignIn, session: SessionDep, request: Request) -> ChatToken:
    secret = customer_token_secret()
    address = client_address(request)
    refuse_if_limited(session, "customer", address, body.email)
    customer = verify_identity(session, body.email, body.postcode)
    note_sign_in(session, "customer", address, body.email, customer is not None)
    if customer is None:
        raise HTTPException(status_code=401, detail="That email and postcode don't match an account.")
    return ChatToken(
        token=mint_customer_token(customer.id, secret),
        customer_id=customer.id,
        first_name=customer.first_name,
        expires_in=DEFAULT_TTL_SECONDS,
    )
