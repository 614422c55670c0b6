"""`POST /api/chat-token`: the web page's sign-in, which binds a chat to a customer.

The customer proves who they are with account email and postcode; the page
gets a signed, expiring token to send with every chat message (signed with
`ASSISTANT_TOKEN_SECRET`, or in demo mode with the machine's signing key).
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from api.deps import SessionDep
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


@router.post("/chat-token", response_model=ChatToken, summary="Sign a customer in to the chat")
def chat_token(body: SignIn, session: SessionDep) -> ChatToken:
    secret = customer_token_secret()
    customer = verify_identity(session, body.email, body.postcode)
    if customer is None:
        raise HTTPException(status_code=401, detail="That email and postcode don't match an account.")
    return ChatToken(
        token=mint_customer_token(customer.id, secret),
        customer_id=customer.id,
        first_name=customer.first_name,
        expires_in=DEFAULT_TTL_SECONDS,
    )
