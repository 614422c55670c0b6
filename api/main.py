"""The sidecar application: `uvicorn api.main:app`. OpenAPI at /docs."""

from __future__ import annotations

import asyncio
import logging
import os
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api import (
    chat_tokens,
    conversations,
    customers,
    dead_letters,
    feedback,
    pages,
    people,
    staff_session,
    suggestions,
)
from api.body_limit import BodyLimit
from assistant import clock
from assistant.cx import outbox
from assistant.db import session_scope

logger = logging.getLogger(__name__)

OUTBOX_DRAIN_SECONDS = float(os.environ.get("OUTBOX_DRAIN_SECONDS", "5"))
RETENTION_SECONDS = 24 * 3600


def drain_outbox() -> outbox.Drained:
    with session_scope() as session:
        return outbox.drain(session)


async def repeat(work, every: float, failure: str) -> None:
    """`work()` on a thread, then every `every` seconds; a failure is logged (`failure`) and the next round comes."""
    while True:
        try:
            await asyncio.to_thread(work)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - whatever went wrong, the loop must not die silently
            logger.exception("%s; trying again in %s s", failure, every)
        await asyncio.sleep(every)


async def keep_draining(every: float = OUTBOX_DRAIN_SECONDS) -> None:
    """Deliver waiting surveys until the sidecar stops."""
    await repeat(lambda: drain_outbox(), every, "could not drain the feedback outbox")


def retention_round() -> None:
    from assistant.business import load_policies
    from connectors.retention import apply_retention

    with session_scope() as session:
        done = apply_retention(session, load_policies(), clock.today())
    if done.conversations_expired or done.customers_erased:
        logger.info("retention: %s", done)


async def keep_applying_retention(every: float = RETENTION_SECONDS) -> None:
    """Once at start, then daily: expired transcripts deleted, closed accounts erased."""
    await repeat(retention_round, every, "the retention round failed")


@asynccontextmanager
async def lifespan(_app: FastAPI):
    """Deliver surveys that waited in the outbox while the sidecar was down; apply retention daily."""
    tasks = [asyncio.create_task(keep_draining()), asyncio.create_task(keep_applying_retention())]
    yield
    for task in tasks:
        task.cancel()


app = FastAPI(
    lifespan=lifespan,
    title="Northwind Home assistant sidecar",
    description="Customer records for reps; post-chat feedback and CX scores for supervisors.",
    version="0.1.0",
)
app.add_middleware(BodyLimit)
app.include_router(customers.router)
app.include_router(chat_tokens.router)
app.include_router(feedback.router)
app.include_router(dead_letters.router)
app.include_router(people.router)
app.include_router(conversations.router)
app.include_router(suggestions.router)
app.include_router(staff_session.router)
app.include_router(pages.router)
pages.mount_static(app)


@app.get("/health", tags=["health"], summary="Liveness and database reachability")
def health() -> dict:
    try:
        with session_scope() as session:
            session.execute(text("SELECT 1"))
        return {"status": "ok", "database": "ok"}
    except SQLAlchemyError:
        return JSONResponse({"status": "degraded", "database": "unreachable"}, status_code=503)


@app.exception_handler(RequestValidationError)
async def validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
    problems = [f"{'.'.join(str(part) for part in e['loc'] if part != 'body')}: {e['msg']}" for e in error.errors()]
    return JSONResponse({"detail": "; ".join(problems), "errors": error.errors()}, status_code=422)


@app.exception_handler(ValueError)
async def bad_value(_request: Request, error: ValueError) -> JSONResponse:
    # PostgreSQL refuses NUL characters in text (psycopg2 raises ValueError);
    # that is the sender's input, not our failure.
    if "NUL (0x00)" in str(error):
        return JSONResponse({"detail": "Text must not contain NUL (0x00) characters."}, status_code=422)
    logger.exception("unexpected error")
    return JSONResponse({"detail": "Something went wrong on our side; it has been logged."}, status_code=500)


@app.exception_handler(SQLAlchemyError)
async def database_error(_request: Request, _error: SQLAlchemyError) -> JSONResponse:
    logger.exception("database error")
    return JSONResponse({"detail": "The database is unavailable; please retry shortly."}, status_code=503)


@app.exception_handler(Exception)
async def unexpected_error(_request: Request, _error: Exception) -> JSONResponse:
    logger.exception("unexpected error")
    return JSONResponse({"detail": "Something went wrong on our side; it has been logged."}, status_code=500)
