"""`rasa run` with its HTTP API locked behind a JWT secret.

    python -m scripts.rasa_server [rasa run options]

The secret comes from `RASA_API_SECRET` in the environment, never from the
command line, where any user of the machine could read it (`ps`). Only the
sidecar holds the same secret (it signs a short-lived admin JWT for each call,
`api/rasa_client.py`); the browser never sees it. The chat channels
(`/webhooks/...`, `/socket.io`) need no token: they identify customers
themselves (connectors/channels.py).
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    secret = os.environ.pop("RASA_API_SECRET", "").strip()
    if not secret:
        sys.exit("error: RASA_API_SECRET is not set: Rasa's HTTP API would be open to anyone who can reach it")
    sys.argv = ["rasa", "run", *sys.argv[1:], "--jwt-secret", secret, "--jwt-method", "HS256"]
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
