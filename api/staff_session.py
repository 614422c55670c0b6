"""Staff sign-in for the pages: `POST /api/session` sets a signed cookie; `DELETE` signs out."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field

from api.deps import SESSION_COOKIE, RepDep, SessionDep, client_address, note_sign_in, refuse_if_limited
from assistant.identity import STAFF_SESSION_SECONDS, mint_staff_session, signing_secret
from assistant.staff import authenticate

router = APIRouter(prefix="/api/session", tags=["staff sign-in"])


class Credentials(BaseModel):
    username: str = Field(..., min_length=1, max_length=40)
    password: str = Field(..., min_length=1, max_length=200)


class StaffOut(BaseModel):
    username: str
    display_name: str
    role: str


@router.post(
    "",
    response_model=StaffOut,
    summary="Sign a rep or supervisor in (sets the session cookie)",
    responses={429: {"description": "Too many tries from this address or for this account: see Retry-After"}},
)
def sign_in(body: Credentials, session: SessionDep, request: Request, response: Response) -> StaffOut:
    username, address = body.username.strip(), client_address(request)
    refuse_if_limited(session, "staff", address, username)
    user = authenticate(session, username, body.password)
    note_sign_in(session, "staff", address, username, user is not None)
    if user is None:
        raise HTTPException(status_code=401, detail="Wrong username or password.")
    response.set_cookie(
        SESSION_COOKIE,
        mint_staff_session(user.username, signing_secret()),
        max_age=STAFF_SESSION_SECONDS,
        httponly=True,
        samesite="strict",
        path="/",
    )
    return StaffOut(username=user.username, display_name=user.display_name, role=user.role)


@router.get("", response_model=StaffOut, summary="Who is signed in")
def who(user: RepDep) -> StaffOut:
    return StaffOut(username=user.username, display_name=user.display_name, role=user.role)


@router.delete("", status_code=204, summary="Sign out")
def sign_out(response: Response) -> Response:
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.status_code = 204
    return response
