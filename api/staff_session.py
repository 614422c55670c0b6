"""Staff sign-in for the pages: `POST /api/session` starts a server-side session and sets its
cookie; `DELETE` ends it (assistant/staff_sessions.py)."""

from __future__ import annotations

from typing import Optional

from fastapi import APIRouter, Cookie, HTTPException, Request, Response
from pydantic import BaseModel, Field

from api.deps import (
    SESSION_COOKIE,
    RepDep,
    SessionDep,
    client_address,
    https_deployment,
    note_sign_in,
    refuse_if_limited,
    require_page_header,
    sqlite_write_lock,
)
from assistant import staff_sessions
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
    require_page_header(request)  # no signing someone in from another site's form either
    username, address = body.username.strip(), client_address(request)
    refuse_if_limited(session, "staff", address, username)
    user = authenticate(session, username, body.password)
    note_sign_in(session, "staff", address, username, user is not None)
    if user is None:
        raise HTTPException(status_code=401, detail="Wrong username or password.")
    with sqlite_write_lock(session):
        session_id = staff_sessions.start(session, user.username)
        session.commit()
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=staff_sessions.SESSION_SECONDS,
        httponly=True,
        samesite="strict",
        secure=https_deployment(),
        path="/",
    )
    return StaffOut(username=user.username, display_name=user.display_name, role=user.role)


@router.get("", response_model=StaffOut, summary="Who is signed in")
def who(user: RepDep) -> StaffOut:
    return StaffOut(username=user.username, display_name=user.display_name, role=user.role)


@router.delete("", status_code=204, summary="Sign out (the session ends on the server too)")
def sign_out(
    request: Request,
    session: SessionDep,
    response: Response,
    staff_session: Optional[str] = Cookie(None, include_in_schema=False),
) -> Response:
    require_page_header(request)
    with sqlite_write_lock(session):
        staff_sessions.end(session, staff_session)
        session.commit()
    response.delete_cookie(SESSION_COOKIE, path="/", secure=https_deployment(), httponly=True, samesite="strict")
    response.status_code = 204
    return response
