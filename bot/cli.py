"""The `jaring` command."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from bot.settings import Settings, SettingsError, load_settings

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jaring", description="Jaring: BPJS Ketenagakerjaan for vulnerable workers, as a chatbot."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    chat = commands.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument(
        "--jsonl", action="store_true", help='read {"from", "text"} JSON lines, write {"to", "text", "choices"} lines'
    )
    chat.add_argument("--as", dest="person", default="terminal", metavar="ID", help="who you are (default: terminal)")

    database = commands.add_parser("db", help="database migrations")
    db_commands = database.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrade = db_commands.add_parser("upgrade", help="migrate to the newest schema (also done at start-up)")
    upgrade.add_argument("revision", nargs="?", default="head")
    downgrade = db_commands.add_parser("downgrade", help="migrate back to a revision (base = empty)")
    downgrade.add_argument("revision")
    db_commands.add_parser("current", help="show the schema revision")

    commands.add_parser("secret-key", help="print a new key for JARING_SECRET_KEY")
    programme = commands.add_parser("programme", help="check the programme file")
    programme.add_argument("action", choices=["check"])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "secret-key":
        from cryptography.fernet import Fernet

        print(Fernet.generate_key().decode())
        return 0
    try:
        settings = load_settings()
        from bot.logging_setup import configure_logging

        configure_logging(settings.log_level)
        return asyncio.run(_run(args, settings))
    except SettingsError as exc:
        print(f"jaring: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "db":
        return await _database(args, settings)
    if args.command == "programme":
        from bot.app import read_programme

        p = read_programme(settings)
        premium = f"Rp{p.premium.monthly:,}".replace(",", ".")
        print(f"{settings.program_file}: OK — {p.name} ({p.pemda}), {len(p.job_types)} job types, premium {premium}")
        return 0
    from bot.app import open_jaring
    from bot.chat import chat_jsonl, chat_with_person

    jaring = await open_jaring(settings)
    try:
        if args.jsonl:
            bad_lines = await chat_jsonl(jaring)
            return 1 if bad_lines else 0
        await chat_with_person(jaring, args.person)
        return 0
    finally:
        await jaring.close()


async def _database(args: argparse.Namespace, settings: Settings) -> int:
    from db import migrate
    from db.connection import Store

    store = Store.from_url(settings.resolved_database_url)
    try:
        if args.db_command == "upgrade":
            await migrate.upgrade(store.engine, args.revision)
        elif args.db_command == "downgrade":
            await migrate.downgrade(store.engine, args.revision)
        print(f"schema revision: {await migrate.current_revision(store.engine) or 'base (empty)'}")
        return 0
    finally:
        await store.close()
