"""`make run`: start the assistant and keep it up until Ctrl-C or SIGTERM."""

from __future__ import annotations

import sys

from assistant.keys import configured
from assistant.keys import problems as key_problems
from assistant.preflight import DEMO_BANNER, check_token_mode
from scripts.services import bind_host, build_services, is_loopback, start_all, stop_on_signals, supervise


def main() -> int:
    host = bind_host()
    refused = key_problems() or ([] if is_loopback(host) else [check_token_mode(f"listening on {host}")])
    if any(refused):
        print(f"error: {next(p for p in refused if p)}", file=sys.stderr)
        return 2
    if not configured("customer"):
        print(f"\n*** {DEMO_BANNER} ***\n", flush=True)
    services = build_services()
    stop = stop_on_signals()
    print("starting the action server, the Rasa server and the sidecar ...", flush=True)
    try:
        start_all(services)
    except (RuntimeError, TimeoutError) as error:
        print(f"could not start: {error}", file=sys.stderr)
        return 1
    print(
        "\nready:\n"
        "  chat (REST)    POST http://127.0.0.1:5005/webhooks/rest/webhook\n"
        "  chat (socket)  http://127.0.0.1:5005/socket.io\n"
        "  actions        http://127.0.0.1:5055/health\n"
        "  sidecar        http://127.0.0.1:8000/docs\n"
        "  customer chat  http://127.0.0.1:8000/            (jane.doe@example.com / LS1 4AP)\n"
        "  rep console    http://127.0.0.1:8000/console     (priya / priya-demo)\n"
        "  dashboard      http://127.0.0.1:8000/dashboard   (sam / sam-demo)\n"
        "logs in var/log/. Ctrl-C stops all three.",
        flush=True,
    )
    supervise(services, stop, restart=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
