"""Dependencies shared by the routers: settings and a database session."""

from __future__ import annotations

from typing import Annotated, Iterator, Optional

from fastapi import Depends, HTTPException
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from sqlalchemy.orm import Session

from assistant.db import session_scope
from assistant.models import StaffUser
from assistant.staff import authenticate


def get_session() -> Iterator[Session]:
    with session_scope() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


security = HTTPBasic(auto_error=False, description="Staff username and password")


def _staff(session: SessionDep, credentials: Optional[HTTPBasicCredentials] = Depends(security)) -> StaffUser:
    if credentials is None:
        raise HTTPException(
            status_code=401, detail="Sign in as a rep or supervisor.", headers={"WWW-Authenticate": "Basic"}
        )
    user = authenticate(session, credentials.username, credentials.password)
    if user is None:
        raise HTTPException(
            status_code=401, detail="Wrong username or password.", headers={"WWW-Authenticate": "Basic"}
        )
    return user


def rep_or_supervisor(user: StaffUser = Depends(_staff)) -> StaffUser:
    return user


def supervisor(user: StaffUser = Depends(_staff)) -> StaffUser:
    if user.role != "supervisor":
        raise HTTPException(status_code=403, detail="Supervisors only.")
    return user


RepDep = Annotated[StaffUser, Depends(rep_or_supervisor)]
SupervisorDep = Annotated[StaffUser, Depends(supervisor)]
