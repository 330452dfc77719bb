"""User accounts from the command line: `users add|list|disable|reset-password|set-role`.

The command line acts as the operator `cli` with the admin role; every change is audited as
``user_admin``, as it is from the Users page. Passwords are read from the terminal without
echo (twice), or from standard input with ``--password-stdin`` (one line, for scripts); never
from an argument, which would leave them in the shell history and the process list.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from hotspots.cli import CLI_USER, AddCommand, CommandError, _engine
from hotspots.config import Settings
from hotspots.db.access import User
from hotspots.db.users import (
    UserError,
    add_user,
    list_users,
    reset_password,
    set_disabled,
    set_role,
)
from hotspots.domain import ROLES
from hotspots.security.passwords import WeakPassword
from hotspots.security.roles import ADMIN

OPERATOR = User(CLI_USER, ADMIN)


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        line = sys.stdin.readline()
        if not line.strip():
            raise CommandError("--password-stdin: standard input held no password")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise CommandError("no terminal to ask for the password: pipe it in with --password-stdin")
    first = getpass.getpass("New password: ")
    if first != getpass.getpass("The same again: "):
        raise CommandError("the two passwords differ; nothing was changed")
    return first


def cmd_users(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    engine = _engine(settings)
    try:
        if args.users_command == "add":
            password = None if args.no_password else _password(args)
            name = add_user(engine, OPERATOR, args.username, args.role, password)
            sign_in = "identity provider" if password is None else "password"
            return {"added": name, "role": args.role, "sign_in": sign_in}
        if args.users_command == "list":
            users = list_users(engine, OPERATOR)
            records = users.astype(object).where(users.notna(), None).to_dict("records")
            return {"users": records}
        if args.users_command == "disable":
            set_disabled(engine, OPERATOR, args.username, disabled=not args.enable)
            return {"enabled" if args.enable else "disabled": args.username.strip().lower()}
        if args.users_command == "reset-password":
            reset_password(engine, OPERATOR, args.username, _password(args))
            return {"password_reset": args.username.strip().lower(), "unlocked": True}
        set_role(engine, OPERATOR, args.username, args.role)
        return {"username": args.username.strip().lower(), "role": args.role}
    except (UserError, WeakPassword) as refused:
        raise CommandError(str(refused)) from None


def _print_users(result: dict[str, Any]) -> None:
    """`users list` as a table for people (the other commands print their one line)."""
    if "users" not in result:
        for key, value in result.items():
            print(f"{key}: {value}")
        return
    print(f"{'username':<32} {'role':<10} {'state':<22} sign-in")
    for user in result["users"]:
        state = "disabled" if user["disabled"] else "enabled"
        if user["locked_until"] is not None:
            state = f"locked until {user['locked_until']:%H:%M}"
        print(f"{user['username']:<32} {user['role']:<10} {state:<22} {user['sign_in']}")


def register(add: AddCommand) -> None:
    users = add("users", cmd_users, "manage user accounts: add, list, disable, reset-password")
    actions = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=help_text, description=help_text)
        sub.add_argument(
            "--json", action="store_true", default=argparse.SUPPRESS, help="print JSON"
        )
        return sub

    adding = action("add", "add an account with a role (asks for its password)")
    adding.add_argument("username", help="lower-case letters, digits and . _ @ -")
    adding.add_argument("--role", required=True, choices=ROLES)
    how = adding.add_mutually_exclusive_group()
    how.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    how.add_argument(
        "--no-password",
        action="store_true",
        help="an account that signs in only through the identity provider (st.login)",
    )
    action("list", "list the accounts, their roles and whether locked or disabled")
    disabling = action("disable", "disable an account (its sessions end), or --enable it again")
    disabling.add_argument("username")
    disabling.add_argument("--enable", action="store_true", help="enable the account again")
    resetting = action("reset-password", "give an account a new password (also unlocks it)")
    resetting.add_argument("username")
    resetting.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
    role = action("set-role", "give an account another role (its sessions end)")
    role.add_argument("username")
    role.add_argument("role", choices=ROLES)
    users.set_defaults(printer=_print_users)
