"""`make run-cluster`: several Rasa replicas and action servers behind nginx.

    python -m scripts.cluster [--rasa 2] [--actions 2] [--port 8080]

Every process runs on loopback. nginx listens on two ports:
- public (`--port`, default 8080): the web pages and the sidecar's API, Rasa's
  REST webhook (least busy replica) and its socket.io endpoint (a new
  socket goes to a replica chosen by the conversation's id, or another if
  that one is down; each later request of that socket goes to the replica
  named in its engine.io session id, so a replica coming back from a restart
  does not take over sockets that moved elsewhere meanwhile);
- internal (public + 1): Rasa's HTTP API for the sidecar (which signs every
  call with the API key, scripts/rasa_server.py), and the action servers for
  the Rasa replicas.
The public port passes Rasa's channels only (`/webhooks/`, `/socket.io/`),
never its API.
Conversations live in the PostgreSQL tracker store (`DATABASE_URL`), their
locks and socket.io rooms in Redis (`REDIS_URL`), so any replica can serve any
message. A process that dies is restarted while the others carry on. Ctrl-C
or SIGTERM stops everything; if any part fails to start, the parts already
started are stopped too.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

from assistant import clock
from scripts.model import ROOT
from scripts.services import (
    LOOPBACK,
    Service,
    actions_service,
    bind_host,
    rasa_service,
    sidecar_service,
    start_all,
    stop_on_signals,
    supervise,
)

CLUSTER_DIR = ROOT / "var" / "cluster"
# One thread per TensorFlow op pool: with two cores shared by every replica,
# TensorFlow's default pools only fight each other (issue 6's measurements).
SINGLE_THREADED = {
    "TF_INTRA_OP_PARALLELISM_THREADS": "1",
    "TF_INTER_OP_PARALLELISM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
}


@dataclass
class Ports:
    public: int = 8080
    rasa: int = 5010  # first replica; the others follow
    actions: int = 5060
    sidecar: int = 8010

    @property
    def internal(self) -> int:
        return self.public + 1


def _servers(first: int, count: int) -> str:
    return "\n".join(f"    server 127.0.0.1:{first + i} max_fails=1 fail_timeout=3s;" for i in range(count))


def replica_route(port: int) -> str:
    """The tag a replica puts in front of its socket.io session ids."""
    return f"r{port}"


def _routes(first: int, count: int) -> str:
    return "\n".join(f"    ~^{replica_route(first + i)}- 127.0.0.1:{first + i};" for i in range(count))


def nginx_config(
    ports: Ports, rasa_replicas: int, action_servers: int, directory: Path, public_host: str = "127.0.0.1"
) -> str:
    """nginx's configuration; only its public port listens on `public_host` (`ASSISTANT_HOST`)."""
    user = "user root root;\n" if os.geteuid() == 0 else ""
    return f"""# Written by scripts/cluster.py for this run; edit the script, not this file.
{user}worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 4096; }}

http {{
  access_log off;
  client_body_temp_path {directory}/tmp/body;
  proxy_temp_path {directory}/tmp/proxy;
  fastcgi_temp_path {directory}/tmp/fastcgi;
  uwsgi_temp_path {directory}/tmp/uwsgi;
  scgi_temp_path {directory}/tmp/scgi;
  client_max_body_size 1m;
  proxy_http_version 1.1;
  proxy_read_timeout 60s;
  # Only a refused or failed connection moves a request to the next server:
  # a message already sent to a replica is never sent twice.
  proxy_next_upstream error timeout;
  proxy_next_upstream_tries 2;

  map $http_upgrade $connection_upgrade {{ default upgrade; '' ''; }}
  # A socket.io session's requests go back to the replica that holds it, named
  # in its session id; a new session goes by the conversation's id.
  map $arg_sid $socketio_upstream {{
{_routes(ports.rasa, rasa_replicas)}
    default rasa_socketio;
  }}

  upstream rasa {{
    least_conn;
{_servers(ports.rasa, rasa_replicas)}
    keepalive 32;
  }}
  upstream rasa_socketio {{
    hash $arg_session_id consistent;
{_servers(ports.rasa, rasa_replicas)}
  }}
  upstream actions {{
    least_conn;
{_servers(ports.actions, action_servers)}
    keepalive 32;
  }}
  upstream sidecar {{
    server 127.0.0.1:{ports.sidecar};
    keepalive 16;
  }}

  server {{
    listen {public_host}:{ports.public};
    location = /lb-health {{ return 200 "ok\\n"; }}
    location /socket.io/ {{
      proxy_pass http://$socketio_upstream;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_read_timeout 1h;
      add_header X-Upstream $upstream_addr always;
    }}
    location /webhooks/ {{
      proxy_pass http://rasa;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $remote_addr;
      add_header X-Upstream $upstream_addr always;
    }}
    location / {{
      proxy_pass http://sidecar;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      # The customer's address, for the rate limits: set here, never taken from the client.
      proxy_set_header X-Forwarded-For $remote_addr;
    }}
  }}

  server {{
    listen 127.0.0.1:{ports.internal};
    location /webhook {{
      proxy_pass http://actions;
      proxy_set_header Connection "";
    }}
    location / {{
      proxy_pass http://rasa;
      proxy_set_header Connection "";
      add_header X-Upstream $upstream_addr always;
    }}
  }}
}}
"""


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not found:
        raise RuntimeError("nginx is not installed: `make nginx` installs Debian's package")
    return found


def build_cluster(
    rasa_replicas: int = 2,
    action_servers: int = 2,
    ports: Optional[Ports] = None,
    directory: Path = CLUSTER_DIR,
    extra_env: Optional[Dict[str, str]] = None,
    model: Optional[Path] = None,
) -> List[Service]:
    """The services of a cluster, in start order (stop runs in reverse)."""
    ports = ports or Ports()
    (directory / "tmp").mkdir(parents=True, exist_ok=True)
    config = directory / "nginx.conf"
    config.write_text(nginx_config(ports, rasa_replicas, action_servers, directory, bind_host()))
    env = {
        **(extra_env or {}),
        **SINGLE_THREADED,
        "ACTION_SERVER_URL": f"http://127.0.0.1:{ports.internal}/webhook",
        "RASA_URL": f"http://127.0.0.1:{ports.internal}",
        "RASA_PUBLIC_URL": f"http://127.0.0.1:{ports.public}",
        "SIDECAR_URL": f"http://127.0.0.1:{ports.public}",
    }
    services = [actions_service(f"actions-{i + 1}", ports.actions + i, env) for i in range(action_servers)]
    services += [
        rasa_service(f"rasa-{i + 1}", ports.rasa + i, env, model, replica_route(ports.rasa + i), host=LOOPBACK)
        for i in range(rasa_replicas)
    ]
    services.append(sidecar_service("sidecar", ports.sidecar, env, host=LOOPBACK))
    services.append(nginx_service(config, directory, ports))
    return services


def nginx_service(config: Path, directory: Path, ports: Ports, name: str = "nginx") -> Service:
    """nginx in the foreground on `config`, ready when its public port answers."""
    return Service(
        name,
        [nginx_binary(), "-p", str(directory), "-c", str(config), "-g", "daemon off;"],
        f"http://127.0.0.1:{ports.public}/lb-health",
    )


def prepare(customers: int = 500) -> None:
    """Create or upgrade the schema, and load demo data into an empty database."""
    from assistant.db import make_engine
    from assistant.demo_data import prepare_database

    engine = make_engine()
    try:
        prepare_database(engine, customers=customers, seed=7, today=clock.today())
    finally:
        engine.dispose()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.cluster", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rasa", type=int, default=int(os.environ.get("RASA_REPLICAS", 2)), help="Rasa replicas")
    parser.add_argument("--actions", type=int, default=int(os.environ.get("ACTION_SERVERS", 2)), help="action servers")
    parser.add_argument("--port", type=int, default=int(os.environ.get("CLUSTER_PORT", 8080)), help="public port")
    parser.add_argument("--rasa-port", type=int, default=Ports.rasa, help="first Rasa replica's port")
    parser.add_argument("--actions-port", type=int, default=Ports.actions, help="first action server's port")
    parser.add_argument("--sidecar-port", type=int, default=Ports.sidecar)
    args = parser.parse_args(argv)
    if args.rasa < 1 or args.actions < 1:
        print("error: at least one Rasa replica and one action server", file=sys.stderr)
        return 2

    from assistant.db import database_url
    from assistant.preflight import check_token_mode, problems
    from scripts.ensure_database import ensure_database

    refused = check_token_mode("make run-cluster")
    if refused:
        print(f"error: {refused}", file=sys.stderr)
        return 2

    if database_url().startswith("postgresql"):
        try:
            ensure_database(database_url())  # a first run creates the database
        except Exception:  # noqa: BLE001 - the check below says what is wrong, in one line
            pass
    found = problems()
    if found:
        for problem in found:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    stop = stop_on_signals()
    try:
        prepare()
        ports = Ports(public=args.port, rasa=args.rasa_port, actions=args.actions_port, sidecar=args.sidecar_port)
        services = build_cluster(args.rasa, args.actions, ports)
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"starting {args.actions} action servers, {args.rasa} Rasa replicas, the sidecar and nginx ...", flush=True)
    try:
        start_all(services, timeout=240)
    except (RuntimeError, TimeoutError) as error:
        print(f"could not start: {error}; everything started so far was stopped", file=sys.stderr)
        return 1
    public = f"http://127.0.0.1:{args.port}"
    print(
        f"\nready behind nginx on {public}:\n"
        f"  customer chat  {public}/            chat (REST)  POST {public}/webhooks/rest/webhook\n"
        f"  rep console    {public}/console     dashboard    {public}/dashboard\n"
        f"  internal       http://127.0.0.1:{args.port + 1} (Rasa API, action servers)\n"
        f"logs in var/log/. Ctrl-C stops them all.",
        flush=True,
    )
    supervise(services, stop, restart=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
