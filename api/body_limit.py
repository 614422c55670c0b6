"""A cap on request bodies: 413 with a clear message instead of reading without end.

uvicorn reads whatever a client sends; the largest body the sidecar's API
takes is a rep's message or a survey comment (2,000 characters each), so
MAX_BODY_BYTES leaves room to spare. Checked on the declared length before
anything is read, and counted as it arrives for a body without one.
"""

from __future__ import annotations

import json

MAX_BODY_BYTES = 64 * 1024
TOO_LARGE = json.dumps({"detail": f"The request body is larger than {MAX_BODY_BYTES // 1024} KB."}).encode()


class BodyLimit:
    """ASGI middleware: requests with bodies over `limit` bytes get a 413."""

    def __init__(self, app, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None:
            if not declared.isdigit() or int(declared) > self.limit:
                return await self._refuse(send)
            return await self.app(scope, receive, send)
        # No declared length (chunked): read it here, up to the limit, then hand it on.
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return None  # the client went away
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.limit:
                return await self._refuse(send)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay():
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        return await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(TOO_LARGE)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": TOO_LARGE})
