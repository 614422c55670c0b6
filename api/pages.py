"""The three web pages, served by the sidecar: customer chat, rep console, supervisor dashboard.

Who may open a page is decided here, on the server: the console needs a
signed-in rep or supervisor, the dashboard a supervisor (a rep gets 403),
and every piece of data the pages show comes from API endpoints that check
the same roles again. Front-end packages come from `web/node_modules`
(installed by `make web` from the pinned lock file).
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Optional

from fastapi import APIRouter, Cookie, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from api.deps import SessionDep, staff_from_cookie

WEB = Path(__file__).resolve().parent.parent / "web"
VENDOR = {  # URL prefix -> folder of a pinned npm package's built files
    "/vendor/socket.io-client": WEB / "node_modules" / "socket.io-client" / "dist",
    "/vendor/chart.js": WEB / "node_modules" / "chart.js" / "dist",
}

router = APIRouter(include_in_schema=False)


def mount_static(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
    for prefix, folder in VENDOR.items():
        if folder.is_dir():
            app.mount(prefix, StaticFiles(directory=folder), name=prefix)


def _page(name: str, **config) -> HTMLResponse:
    """The page's HTML with its settings as JSON in a data attribute (escaped, never inlined as code)."""
    text = (WEB / "templates" / f"{name}.html").read_text(encoding="utf-8")
    text = text.replace("{{CONFIG}}", html.escape(json.dumps(config), quote=True))
    return HTMLResponse(text, headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY"})


def rasa_public_url() -> str:
    """Where the customer's browser reaches Rasa's socket.io channel."""
    return os.environ.get("RASA_PUBLIC_URL") or os.environ.get("RASA_URL", "http://127.0.0.1:5005")


@router.get("/")
def chat_page() -> HTMLResponse:
    return _page("chat", rasaUrl=rasa_public_url())


@router.get("/signin")
def signin_page(next: str = "/console") -> HTMLResponse:
    target = next if next in ("/console", "/dashboard") else "/console"
    return _page("signin", next=target)


def _signed_in(session, cookie: Optional[str], page: str):
    user = staff_from_cookie(session, cookie)
    if user is None:
        return None, RedirectResponse(f"/signin?next={page}", status_code=303)
    return user, None


@router.get("/console")
def console_page(session: SessionDep, staff_session: Optional[str] = Cookie(None)) -> Response:
    user, redirect = _signed_in(session, staff_session, "/console")
    if redirect:
        return redirect
    return _page("console", user={"username": user.username, "name": user.display_name, "role": user.role})


@router.get("/dashboard")
def dashboard_page(request: Request, session: SessionDep, staff_session: Optional[str] = Cookie(None)) -> Response:
    user, redirect = _signed_in(session, staff_session, "/dashboard")
    if redirect:
        return redirect
    if user.role != "supervisor":
        page = _page("forbidden", user={"username": user.username, "name": user.display_name})
        page.status_code = 403
        return page
    return _page("dashboard", user={"username": user.username, "name": user.display_name, "role": user.role})
