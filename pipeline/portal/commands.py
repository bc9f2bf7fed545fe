"""`rekon serve` and `rekon user ...`: the portal's command line (argparse only, imports nothing heavy)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def _engine(data: Path):
    from pipeline.portal.config import settings_from_env
    from pipeline.portal.db import connect

    data.mkdir(parents=True, exist_ok=True)
    return connect(settings_from_env(data).db_url)


def _password(confirm: bool = True) -> str:
    password = os.environ.get("REKON_PASSWORD")
    if password:
        return password
    if not sys.stdin.isatty():
        raise ValueError("no password: set REKON_PASSWORD or run in a terminal to be prompted")
    import getpass

    password = getpass.getpass("Password: ")
    if confirm and getpass.getpass("Password again: ") != password:
        raise ValueError("the passwords differ")
    return password


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from pipeline.portal.app import DATA_ENV
    from pipeline.portal.config import settings_from_env

    if args.workers:
        os.environ["REKON_PORTAL_WORKERS"] = str(args.workers)
    os.environ[DATA_ENV] = str(Path(args.data).resolve())
    settings = settings_from_env(Path(args.data))
    if not settings.cookie_secure:
        print(
            "warning: REKON_PORTAL_INSECURE_COOKIES is set: session cookies travel without TLS",
            file=sys.stderr,
        )
    print(
        f"Rekon portal on http://{args.host}:{args.port}/ (data {args.data}; {settings.workers} worker "
        f"processes of {settings.threads} threads)",
        flush=True,
    )
    # Each worker process builds its own app from the environment (pipeline/portal/app.py).
    # Forwarded headers are read by the app, from the proxies of REKON_PORTAL_TRUSTED_PROXIES
    # only (create_app); uvicorn's own reading would trust 127.0.0.1, where anyone on the host
    # can connect and send an X-Forwarded-For of their choosing.
    uvicorn.run(
        "pipeline.portal.app:app_from_env",
        factory=True,
        workers=settings.workers,
        backlog=2048,
        timeout_keep_alive=30,
        host=args.host,
        port=args.port,
        proxy_headers=False,
        server_header=False,
        log_level="info",
    )
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    from pipeline.portal.users import add_user, parse_regions

    regions = parse_regions(args.regions or "")
    user = add_user(_engine(Path(args.data)), args.name, args.role, regions, _password())
    print(f"user {user.username} added: {user.role}, regions {user.scope.label()}")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    from pipeline.portal.users import list_users

    for user in list_users(_engine(Path(args.data))):
        state = "active" if user.active else "disabled"
        print(f"{user.username:<24} {user.role:<10} {state:<8} {user.scope.label()}")
    return 0


def _set_active(args: argparse.Namespace, active: bool) -> int:
    from pipeline.portal.users import set_active

    set_active(_engine(Path(args.data)), args.name, active)
    print(f"user {args.name} {'enabled' if active else 'disabled (sessions ended)'}")
    return 0


def cmd_user_enable(args: argparse.Namespace) -> int:
    return _set_active(args, True)


def cmd_user_disable(args: argparse.Namespace) -> int:
    return _set_active(args, False)


def cmd_user_password(args: argparse.Namespace) -> int:
    from pipeline.portal.users import set_password

    set_password(_engine(Path(args.data)), args.name, _password())
    print(f"password of {args.name} changed (sessions ended)")
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Register the portal's subcommands on the `rekon` parser."""
    data_help = "data folder of `rekon run` (publications; portal.db unless REKON_PORTAL_DB is set)"
    serve = commands.add_parser("serve", help="run the compliance portal (web pages and downloads)")
    serve.add_argument("--data", required=True, help=data_help)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=int,
        default=0,
        help="worker processes (default REKON_PORTAL_WORKERS, else one per core)",
    )
    serve.set_defaults(func=cmd_serve)

    user = commands.add_parser("user", help="portal accounts: add, list, disable, enable, password")
    actions = user.add_subparsers(dest="user_command", required=True)
    add = actions.add_parser("add", help="add an account (password from REKON_PASSWORD or prompted)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=("analis", "supervisor", "admin"))
    add.add_argument("--regions", default="", help="province or regency codes, e.g. 62,32.15 (not for admin)")
    add.set_defaults(func=cmd_user_add)
    listing = actions.add_parser("list", help="list accounts")
    listing.set_defaults(func=cmd_user_list)
    for name, func, text in (
        ("disable", cmd_user_disable, "disable an account and end its sessions"),
        ("enable", cmd_user_enable, "enable an account again"),
        ("password", cmd_user_password, "set a new password (REKON_PASSWORD or prompted)"),
    ):
        sub = actions.add_parser(name, help=text)
        sub.add_argument("name")
        sub.set_defaults(func=func)
    for sub in (add, listing, *(actions.choices[n] for n in ("disable", "enable", "password"))):
        sub.add_argument("--data", required=True, help=data_help)
