"""Commands for people and machines: user accounts and API tokens."""

from __future__ import annotations

import sys

import click
from hdcat.catalog import ROLES, SCOPES
from hdcat.web.commands.common import actor, console, open_accounts, out
from rich.table import Table


@click.group()
def users():
    """Manage user accounts (researcher, steward, auditor, admin)."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option(
    "--hospital", "hospitals", multiple=True, help="A hospital the user acts for (repeat for several)."
)
@click.option("--password-stdin", is_flag=True, help="Read a password (for the site) from standard input.")
@click.pass_obj
def users_add(obj, name, role, hospitals, password_stdin):
    """Add a user."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    with open_accounts(obj) as acc:
        user = acc.add_user(name, role, list(hospitals), password, actor=actor())
    out.print(f"added {user['name']} ({user['role']}; hospitals: {', '.join(user['hospitals']) or 'none'})")


@users.command("list")
@click.pass_obj
def users_list(obj):
    """List users."""
    table = Table(title="Users")
    for col in ("name", "role", "hospitals", "disabled", "created"):
        table.add_column(col)
    with open_accounts(obj) as acc:
        for u in acc.users():
            table.add_row(
                u["name"],
                u["role"],
                ", ".join(u["hospitals"]),
                "yes" if u["disabled"] else "",
                u["created"][:19],
            )
    out.print(table)


@users.command("disable")
@click.argument("name")
@click.pass_obj
def users_disable(obj, name):
    """Disable a user; their tokens stop working at once."""
    with open_accounts(obj) as acc:
        acc.disable_user(name, actor=actor())
    out.print(f"disabled {name}")


@click.group()
def tokens():
    """Issue, list and revoke API tokens (bearer tokens for machines)."""


@tokens.command("issue")
@click.option("--user", required=True)
@click.option("--scope", "scopes", multiple=True, required=True, type=click.Choice(SCOPES))
@click.option(
    "--hospital", "hospitals", multiple=True, help="Limit to these hospitals (default: the user's)."
)
@click.option("--days", default=90, show_default=True, type=int, help="Days until the token expires.")
@click.pass_obj
def tokens_issue(obj, user, scopes, hospitals, days):
    """Issue a token; the secret is printed once and stored only as a hash."""
    with open_accounts(obj) as acc:
        token_id, secret = acc.issue_token(user, list(scopes), list(hospitals) or None, days, actor=actor())
    console.print(f"token {token_id} for {user} ({', '.join(scopes)}), expires in {days} days. The secret:")
    out.print(secret)


@tokens.command("revoke")
@click.argument("token_id")
@click.pass_obj
def tokens_revoke(obj, token_id):
    """Revoke a token by its id."""
    with open_accounts(obj) as acc:
        acc.revoke_token(token_id, actor=actor())
    out.print(f"revoked {token_id}")


@tokens.command("list")
@click.pass_obj
def tokens_list(obj):
    """List tokens (never their secrets)."""
    table = Table(title="API tokens")
    for col in ("id", "user", "scopes", "hospitals", "expires", "revoked", "last used"):
        table.add_column(col)
    with open_accounts(obj) as acc:
        for t in acc.tokens():
            table.add_row(
                t["id"],
                t["user"],
                ", ".join(t["scopes"]),
                ", ".join(t["hospitals"]),
                t["expires"][:10],
                (t["revoked"] or "")[:19],
                (t["last_used"] or "")[:19],
            )
    out.print(table)
