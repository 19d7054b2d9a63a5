"""The `jaring` command.

Every line a Dinas command prints comes from the catalogs (`locales/*/LC_MESSAGES/cli.po`, and the
chat's own texts where the command shows what the chat shows), in one language: Indonesian, or
English with `--english`; every time is in the programme's time zone with its name (WIB, WITA, WIT).
`Voice` is the one way to say something; argparse's own framing ("usage:", "error:") and the help
texts stay English."""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.commands.person_ids import FORMS, PersonIdError, check_terminal_name, parse_person_id
from bot.commands.voice import CLI_LANGUAGE, Voice
from conversations.messages import msg
from conversations.text import clean_text, fold_lines

if TYPE_CHECKING:
    from bot.app import Jaring
    from bot.settings import Settings


__all__ = ["main"]

_ENGLISH = "en"


class _Parser(argparse.ArgumentParser):
    """Every command takes `--english`, before or after its name (`jaring --english quota show`,
    `jaring quota show --english`); `english=False` leaves it out (the chat has its own `bahasa`)."""

    def __init__(self, *args: Any, english: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if english:
            self.add_argument(
                "--english",
                action="store_true",
                default=argparse.SUPPRESS,
                help="print in English (default: Bahasa Indonesia)",
            )


def _person(text: str) -> str:
    """A person as CHANNEL:ID (checked, see bot/commands/person_ids.py), written the one way the store knows it.
    A wrong one stops the command before anything is opened: exit code 2, the message says the form."""
    try:
        return str(parse_person_id(text))
    except PersonIdError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _terminal_name(text: str) -> str:
    try:
        return check_terminal_name(text)
    except PersonIdError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


# A reason the worker is sent (a rejection) or the quota's history keeps: the columns are this wide.
REASON_MAX_CHARS = 300


def _reason(text: str) -> str:
    """Typed on the command line as in chat: cleaned by the same door, on one line, within its limit
    (refused with the count, never cut)."""
    cleaned = fold_lines(clean_text(text))
    if len(cleaned) > REASON_MAX_CHARS:
        raise argparse.ArgumentTypeError(
            f"alasan maksimal {REASON_MAX_CHARS} huruf; yang diberikan {len(cleaned)} huruf. Tulis lebih singkat."
        )
    return cleaned


def _workers(text: str) -> int:
    """`serve --workers`: as JARING_WORKERS allows (1 to 64)."""
    try:
        workers = int(text)
    except ValueError:
        workers = 0
    if not 1 <= workers <= 64:
        raise argparse.ArgumentTypeError(f"a number of processes from 1 to 64, not {text!r}")
    return workers


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="jaring", description="Jaring: BPJS Ketenagakerjaan for vulnerable workers, as a chatbot.")
    parser.set_defaults(english=False)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    chat = commands.add_parser("chat", help="talk to the bot in this terminal", english=False)
    chat.add_argument(
        "--jsonl", action="store_true", help='read {"from", "text"} JSON lines, write {"to", "text", "choices"} lines'
    )
    chat.add_argument(
        "--as",
        dest="person",
        default="terminal",
        type=_terminal_name,
        metavar="NAME",
        help="who you are (default: terminal); others reach you as terminal:NAME",
    )

    _database_parser(commands)

    _serve_parser(commands)

    admin = commands.add_parser("admin", help="Dinas administrators")
    admin_commands = admin.add_subparsers(dest="admin_command", required=True, metavar="ACTION")
    admin_add = admin_commands.add_parser("add", help=f"make someone an admin: CHANNEL:ID, e.g. {FORMS}")
    admin_add.add_argument("address", metavar="CHANNEL:ID", type=_person)

    invite = commands.add_parser("invite", help="one-time invite codes that give a role")
    invite_commands = invite.add_subparsers(dest="invite_command", required=True, metavar="ACTION")
    invite_create = invite_commands.add_parser("create", help="make a code; the person sends `kode CODE` to the bot")
    invite_create.add_argument("--role", required=True, choices=["rtrw", "verifier", "admin"])
    invite_create.add_argument("--kelurahan", help="Kemendagri code, e.g. 33.75.01.1002")
    invite_create.add_argument("--rt")
    invite_create.add_argument("--rw")
    invite_create.add_argument("--days", type=int, default=14, help="valid for this many days (default 14)")

    registration = commands.add_parser("registration", help="registrations")
    registration_commands = registration.add_subparsers(dest="registration_command", required=True, metavar="ACTION")
    set_status = registration_commands.add_parser("status", help="change a registration's status (the people are told)")
    set_status.add_argument("id", type=int)
    set_status.add_argument(
        "status", choices=["submitted", "returned", "verified", "approved", "waiting_list", "active", "rejected"]
    )
    set_status.add_argument("--reason", default="", type=_reason)
    set_status.add_argument("--kpj", default="")
    set_status.add_argument(
        "--override-flags",
        action="store_true",
        help="approve it although it breaks a programme rule (its flags); needs --reason, which is recorded",
    )
    approve = registration_commands.add_parser(
        "approve",
        help="approve verified registrations within this year's quota; flagged ones are held out and listed (exit 3)",
    )
    approve.add_argument(
        "--override-flags",
        nargs="*",
        type=int,
        metavar="ID",
        help="also approve these flagged registrations, each named by number (required); needs --reason",
    )
    approve.add_argument("--reason", default="", type=_reason, help="why the flags are overridden (recorded)")
    _alive_parser(registration_commands)

    claims = commands.add_parser("claims", help="heirs' claim cases")
    claims_commands = claims.add_subparsers(dest="claims_command", required=True, metavar="ACTION")
    claims_commands.add_parser("remind", help="remind heirs whose case is idle (serve does this every hour)")
    _questions_parser(commands)
    _enrolment_and_figures_parsers(commands)
    _broadcast_parser(commands)
    _review_parsers(commands)
    _renewal_parser(commands)
    _sponsors_parser(commands)
    _tool_parsers(commands)
    return parser


def _serve_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    serve = commands.add_parser("serve", help="run every configured channel (Telegram) and the web app", english=False)
    serve.add_argument("--host", help="address the web app listens on (default: JARING_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port the web app listens on (default: JARING_PORT or 8080)")
    serve.add_argument(
        "--workers",
        type=_workers,
        metavar="N",
        help="serve as N processes on one port, PostgreSQL only (default: JARING_WORKERS or 1)",
    )
    # A worker the supervisor started (bot/supervisor.py): it serves on the listening socket it inherited.
    serve.add_argument("--listen-fd", type=int, help=argparse.SUPPRESS)


def _database_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    database = commands.add_parser("db", help="database migrations and backups")
    db_commands = database.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrade = db_commands.add_parser("upgrade", help="migrate to the newest schema (also done at start-up)")
    upgrade.add_argument("revision", nargs="?", default="head")
    downgrade = db_commands.add_parser("downgrade", help="migrate back to a revision (base = empty)")
    downgrade.add_argument("revision")
    db_commands.add_parser("current", help="show the schema revision")
    backup = db_commands.add_parser(
        "backup", help="a consistent copy of the SQLite database, also while the bot runs (PostgreSQL: pg_dump)"
    )
    backup.add_argument(
        "path", nargs="?", type=Path, metavar="PATH", help="file or folder (default: data/backups/jaring-DATE-TIME.db)"
    )
    backup.add_argument("--force", action="store_true", help="overwrite PATH if it exists")


def _questions_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    questions = commands.add_parser("questions", help="benefit questions")
    questions_commands = questions.add_subparsers(dest="questions_command", required=True, metavar="ACTION")
    unanswered = questions_commands.add_parser("unanswered", help="the newest questions the bot could not answer")
    unanswered.add_argument("--limit", type=int, default=50)
    train = questions_commands.add_parser(
        "train", help="train the question model on the shipped examples and the admins' phrases (every bot uses it)"
    )
    shipped = train.add_mutually_exclusive_group()
    shipped.add_argument(
        "--shipped", action="store_true", help="train on the shipped examples only and write the shipped model file"
    )
    shipped.add_argument("--check", action="store_true", help="exit 1 when the shipped model file is out of date")
    questions_commands.add_parser("groups", help="unanswered questions grouped by similarity, with a suggested topic")
    attach = questions_commands.add_parser(
        "attach", help="make a group's questions examples of a topic (audited), then train the model again"
    )
    attach.add_argument("group", type=int, metavar="GROUP", help="the group's number, as `questions groups` prints it")
    attach.add_argument("topic", metavar="TOPIC", help='a topic id, e.g. premium; "none": not about the programme')


def _tool_parsers(commands: argparse._SubParsersAction[_Parser]) -> None:
    commands.add_parser("secret-key", help="print a new key for JARING_SECRET_KEY")
    diagrams = commands.add_parser("flow-diagrams", help="write each flow's Mermaid diagram beside it")
    diagrams.add_argument("--check", action="store_true", help="write nothing; exit 1 if a diagram is stale")
    programme = commands.add_parser("programme", help="check the programme file")
    programme.add_argument("action", choices=["check"])


def _enrolment_and_figures_parsers(commands: argparse._SubParsersAction[_Parser]) -> None:
    export = commands.add_parser("export", help="files for BPJS TK")
    export_commands = export.add_subparsers(dest="export_command", required=True, metavar="WHAT")
    enrolment = export_commands.add_parser("enrolment", help="the list for collective registration (full NIKs)")
    enrolment.add_argument("--status", choices=["approved", "active", "all"], default="approved")
    enrolment.add_argument("--format", choices=["xlsx", "csv"], help="default: from --output's extension, else xlsx")
    enrolment.add_argument("--output", required=True, type=Path, metavar="FILE")
    enrolment.add_argument(
        "--send-to", metavar="CHANNEL:ID", type=_person, help="also send the file to this admin in chat"
    )
    imports = commands.add_parser("import", help="files from BPJS TK")
    import_commands = imports.add_subparsers(dest="import_command", required=True, metavar="WHAT")
    kpj = import_commands.add_parser("kpj", help="BPJS TK's answer (NIK, KPJ, start date): all rows or none")
    kpj.add_argument("file", type=Path, metavar="FILE", help=".xlsx or .csv")
    participants = import_commands.add_parser(
        "participants", help="the participants the Pemda already has (NIK, name, KPJ, TMT, …): all rows or none"
    )
    participants.add_argument("file", type=Path, metavar="FILE", help=".xlsx or .csv")
    participants.add_argument(
        "--dry-run", action="store_true", help="check every row, print what would happen, change nothing"
    )
    participants.add_argument("--year", type=int, metavar="YYYY", help="the budget year of rows that name none")
    stats = commands.add_parser("stats", help="the programme's figures (and a chart with --chart)")
    stats.add_argument("--year", type=int, help="default: this year")
    stats.add_argument("--chart", type=Path, metavar="FILE.png", help="write the chart as a PNG")


def _broadcast_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    broadcast = commands.add_parser("broadcast", help="announcements (recorded here; `jaring serve` sends them)")
    actions = broadcast.add_subparsers(dest="broadcast_command", required=True, metavar="ACTION")
    audience_help = (
        "everyone | leaders | status:STATUS | kecamatan:CODE-OR-NAME | kelurahan:CODE-OR-NAME | job:JOB-TYPE-ID"
    )
    preview = actions.add_parser("preview", help="who an audience reaches, per channel")
    preview.add_argument("--audience", required=True, metavar="KIND[:VALUE]", help=audience_help)
    preview.add_argument("--text", help="also show this announcement as it will be sent")
    send = actions.add_parser("send", help="record an announcement (after a preview and a confirmation)")
    text = send.add_mutually_exclusive_group(required=True)
    text.add_argument("--text", help="the announcement (at most 1000 characters)")
    text.add_argument("--file", type=Path, metavar="FILE", help="read the announcement from a UTF-8 file")
    send.add_argument("--audience", required=True, metavar="KIND[:VALUE]", help=audience_help)
    send.add_argument("--at", metavar='"25-11-2026 08.00"', help="when, in the programme's local time (default: now)")
    send.add_argument("--yes", action="store_true", help="do not ask to confirm")
    actions.add_parser("list", help="scheduled and sending announcements, and the last finished")
    cancel = actions.add_parser("cancel", help="stop an announcement (what was sent stays sent)")
    cancel.add_argument("id", type=int)
    report = actions.add_parser("report", help="how an announcement went")
    report.add_argument("id", type=int)


def _alive_parser(registration_commands: argparse._SubParsersAction[_Parser]) -> None:
    alive = registration_commands.add_parser("alive", help="undo a wrong 'deceased' (from a claim reported paid)")
    alive.add_argument("id", type=int)
    alive.add_argument("--reason", required=True, type=_reason, help="why (recorded)")


def _renewal_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    renewal = commands.add_parser("renewal", help="the renewal of the participants into the next budget year")
    actions = renewal.add_subparsers(dest="renewal_command", required=True, metavar="ACTION")
    actions.add_parser("open", help="open the round (only in the programme file's month): each worker is asked once")
    actions.add_parser("remind", help="remind once whoever has not answered (serve does this every hour)")
    actions.add_parser("show", help="the round's counts: asked, answered, waiting for the kelurahan, leaving, silent")
    export = actions.add_parser("export", help="the continuing participants for BPJS TK (full NIKs)")
    export.add_argument("--format", choices=["xlsx", "csv"], help="default: from --output's extension, else xlsx")
    export.add_argument("--output", type=Path, metavar="FILE", help="default: a dated file name in this folder")
    actions.add_parser("close", help="close the round (from 1 January; needs the new year's quota)")


def _sponsors_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    sponsors = commands.add_parser("sponsors", help="sponsors (donatur) who pay a worker's premium")
    actions = sponsors.add_subparsers(dest="sponsors_command", required=True, metavar="ACTION")
    actions.add_parser("figures", help="sponsors by kind and OPD, the ASN share, workers by funder, months due")
    actions.add_parser("remind", help="remind sponsors of months due, tell the Dinas of missed ones (serve: hourly)")


def _review_parsers(commands: argparse._SubParsersAction[_Parser]) -> None:
    quota = commands.add_parser("quota", help="this year's places, and changing them")
    quota_commands = quota.add_subparsers(dest="quota_command", required=True, metavar="ACTION")
    show = quota_commands.add_parser("show", help="places, used, verified, waiting list, the changes")
    show.add_argument("--year", type=int, help="default: this year")
    set_places = quota_commands.add_parser("set", help="set the places (the waiting list moves up into them)")
    set_places.add_argument("places", type=int)
    set_places.add_argument("--year", type=int, help="default: this year")
    set_places.add_argument("--reason", default="", type=_reason, help='e.g. "Perubahan APBD 2026"')
    role = commands.add_parser("role", help="who holds which role; revoking one")
    role_commands = role.add_subparsers(dest="role_command", required=True, metavar="ACTION")
    role_commands.add_parser("list", help="every role held now")
    revoke = role_commands.add_parser("revoke", help="revoke a role (every grant of it); the person is told")
    revoke.add_argument("address", metavar="CHANNEL:ID", type=_person)
    revoke.add_argument("role", choices=["admin", "verifier", "rtrw"])

    web = commands.add_parser("web", help="the Dinas desk's web pages (served by `jaring serve` under /dinas)")
    web_commands = web.add_subparsers(dest="web_command", required=True, metavar="ACTION")
    web_link = web_commands.add_parser("link", help="a one-time sign-in link (10 minutes) for an admin or verifier")
    web_link.add_argument("address", metavar="CHANNEL:ID", type=_person)


class _Collector:
    """Python's cycle collector, paused while `jaring` starts. Start-up makes some 700 modules' worth of
    objects (classes, functions, SQLAlchemy's and pydantic's structures) that live as long as the process,
    and every collection of the older generations walked all of them again: a fifth of `jaring chat`'s
    CPU until its first reply. Once the bot is open they are frozen (`gc.freeze`), so no later collection
    walks them either, and collecting resumes for what the messages make."""

    def __init__(self) -> None:
        self._collecting = gc.isenabled()
        gc.disable()

    def started(self) -> None:
        gc.freeze()
        if self._collecting:
            gc.enable()

    def close(self) -> None:
        gc.unfreeze()  # a caller in this same process (the tests) gets its collector back as it was
        if self._collecting:
            gc.enable()


def main(argv: Sequence[str] | None = None) -> int:
    collector = _Collector()
    try:
        return _main(argv, collector)
    finally:
        collector.close()


def _main(argv: Sequence[str] | None, collector: _Collector) -> int:
    args = _parser().parse_args(argv)
    if args.command == "secret-key":
        from cryptography.fernet import Fernet

        print(Fernet.generate_key().decode())
        return 0
    if args.command == "flow-diagrams":
        return _flow_diagrams(check=args.check, language=_ENGLISH if args.english else CLI_LANGUAGE)
    if getattr(args, "questions_command", "") == "train" and (args.shipped or args.check):
        collector.started()  # training: a long computation, not a start
        return _shipped_question_model(check=args.check, language=_ENGLISH if args.english else CLI_LANGUAGE)
    from bot.settings import SettingsError, load_settings
    from db.reachability import DatabaseRefused, DatabaseUnreachable

    try:
        settings = load_settings()
        from bot.logging_setup import configure_logging

        configure_logging(
            settings.log_level, log_file=_chat_log_file(args, settings), json=settings.log_format == "json"
        )
        return asyncio.run(_run(args, settings, _ENGLISH if args.english else CLI_LANGUAGE, collector))
    except SettingsError as exc:
        print(f"jaring: {exc}", file=sys.stderr)
        return 2
    except (DatabaseUnreachable, DatabaseRefused) as exc:  # one line, no traceback (db/reachability.py)
        print(f"jaring: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (`jaring … | head`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit's flush
        return 141


def _flow_diagrams(*, check: bool, language: str) -> int:
    """The diagrams beside the flows (conversations/flows/<id>.md), from the flows the bot runs."""
    from conversations import flows
    from conversations.flow_diagrams import stale_diagrams, write_diagrams
    from locales import Catalogs

    folder, running = Path(flows.__file__).parent, list(flows.ALL_FLOWS)
    say = Catalogs.load()
    if not check:
        written = write_diagrams(folder, running)
        print(say.render(msg("cli.diagrams.written", count=len(written), folder=str(folder)), language))
        return 0
    if stale := stale_diagrams(folder, running):
        print(say.render(msg("cli.diagrams.stale", flows=", ".join(stale)), language), file=sys.stderr)
        return 1
    print(say.render(msg("cli.diagrams.current", count=len(running)), language))
    return 0


def _shipped_question_model(*, check: bool, language: str) -> int:
    """conversations/questions/data/model.json, from the development set and the topics' phrases: no store."""
    from conversations.questions.training import SHIPPED_MODEL, shipped_model_is_current, write_shipped_model
    from locales import Catalogs

    say = Catalogs.load()
    if check:
        current = shipped_model_is_current()
        line = msg(
            "cli.questions.shipped_current" if current else "cli.questions.shipped_stale", file=str(SHIPPED_MODEL)
        )
        print(say.render(line, language), file=sys.stdout if current else sys.stderr)
        return 0 if current else 1
    started = time.perf_counter()
    model = write_shipped_model()
    seconds = f"{time.perf_counter() - started:.1f}"
    done = msg("cli.questions.shipped_written", file=str(SHIPPED_MODEL), examples=model.examples, seconds=seconds)
    print(say.render(done, language))
    return 0


def _chat_log_file(args: argparse.Namespace, settings: Settings) -> Path | None:
    """The terminal chat's window shows the conversation only: its log goes to a file in the data
    folder, and what a newcomer should know is one line on stderr before the first prompt."""
    if args.command != "chat" or args.jsonl:
        return None
    from bot.channels.terminal import chat_log_file, chat_notice

    if notice := chat_notice(settings):
        print(notice, file=sys.stderr)
    return chat_log_file(settings)


async def _run(args: argparse.Namespace, settings: Settings, language: str, collector: _Collector) -> int:
    if args.command in ("db", "programme", "serve"):
        collector.started()
        return await _run_without_the_bot(args, settings, language)
    from bot.app import open_jaring
    from bot.channels.terminal import chat_jsonl, chat_with_person

    jaring = await open_jaring(settings)
    collector.started()
    try:
        if args.command in ("quota", "role") or getattr(args, "registration_command", "") == "approve":
            from bot.commands.administer import run_review_command

            return await run_review_command(jaring, args, language=language)
        if args.command in ("admin", "invite", "registration"):
            return await _administer(args, jaring, language)
        if args.command == "claims":
            from bot.outbound.reminders import remind_idle_claims

            sent = await remind_idle_claims(jaring, settings.claim_reminder_days, jaring.pipeline.clock())
            Voice.of(jaring, language).say("cli.claims.reminded", count=sent)
            return 0
        if args.command == "questions":
            from bot.commands.questions import run_questions_command

            return await run_questions_command(
                jaring,
                args.questions_command,
                limit=getattr(args, "limit", 50),
                group=getattr(args, "group", 0),
                topic=getattr(args, "topic", ""),
                language=language,
            )
        if args.command in ("export", "import", "stats"):
            return await _enrolment_and_figures(args, jaring, language)
        if args.command == "broadcast":
            from bot.commands.broadcasts import run_broadcast_command

            return await run_broadcast_command(jaring, args, language=language)
        if args.command == "web":
            from bot.commands.person_ids import parse_person_id
            from bot.commands.web_link import print_web_link

            return await print_web_link(jaring, parse_person_id(args.address), language=language)
        if args.command == "sponsors":
            from bot.commands.sponsors import run_sponsors_command

            return await run_sponsors_command(jaring, args.sponsors_command, language=language)
        if args.command == "renewal":
            from bot.commands.renewal import run_renewal_command

            return await run_renewal_command(
                jaring,
                args.renewal_command,
                file_format=getattr(args, "format", None),
                output=getattr(args, "output", None),
                language=language,
            )

        if args.jsonl:
            bad_lines = await chat_jsonl(jaring)
            return 1 if bad_lines else 0
        await chat_with_person(jaring, args.person)
        return 0
    finally:
        await jaring.close()


async def _run_without_the_bot(args: argparse.Namespace, settings: Settings, language: str) -> int:
    if args.command == "db":
        return await _database(args, settings, language)
    if args.command == "programme":
        return _check_programme(settings, language)
    workers = settings.workers if args.workers is None else args.workers
    if args.listen_fd is None and workers > 1:
        from bot.supervisor import run_supervisor

        return await run_supervisor(settings, workers=workers, host=args.host, port=args.port)
    from bot.serve import run_serve

    return await run_serve(settings, host=args.host, port=args.port, inherited_fd=args.listen_fd)


def _check_programme(settings: Settings, language: str) -> int:
    from zoneinfo import ZoneInfo

    from bot.app import read_programme, read_region
    from conversations.messages import Money
    from locales import Catalogs

    p = read_programme(settings)
    region = read_region(settings, p)
    say = Voice(Catalogs.load(), language, p.timezone)
    zone = datetime.now(ZoneInfo(p.timezone)).tzname() or p.timezone
    say.say(
        "cli.programme.ok",
        file=str(settings.program_file),
        programme=p.name,
        pemda=p.pemda,
        job_types=len(p.job_types),
        premium=Money(p.premium.monthly),
        timezone=f"{p.timezone} ({zone})",
    )
    places = {"kecamatan": len(region.kecamatan), "kelurahan": len(region.all_kelurahan)}
    say.say("cli.programme.region", code=region.code, name=region.name, **places)
    return 0


async def _unanswered(jaring: Jaring, limit: int, language: str) -> int:
    from bot.commands.questions import run_questions_command

    return await run_questions_command(jaring, "unanswered", limit=limit, language=language)


async def _enrolment_and_figures(args: argparse.Namespace, jaring: Jaring, language: str) -> int:
    if args.command == "export":
        from bot.commands.export import run_export_command

        return await run_export_command(jaring, args.status, args.format, args.output, args.send_to, language=language)
    if args.command == "import" and args.import_command == "participants":
        from bot.commands.participant_import import run_participant_import_command

        return await run_participant_import_command(
            jaring, args.file, dry_run=args.dry_run, year=args.year, language=language
        )
    if args.command == "import":
        from bot.commands.kpj_import import run_import_command

        return await run_import_command(jaring, args.file, language=language)
    from bot.commands.figures import run_stats_command

    return await run_stats_command(jaring, args.year, args.chart, language=language)


async def _database(args: argparse.Namespace, settings: Settings, language: str) -> int:
    if args.db_command == "backup":  # the file is copied, not opened through the store: it need not be current
        from bot.clock import utc_now
        from bot.commands.db_backup import run_db_backup_command

        return await run_db_backup_command(settings, args.path, force=args.force, now=utc_now(), language=language)
    from db import migrate
    from db.connection import Store
    from db.reachability import wait_until_reachable
    from locales import Catalogs

    store = Store.from_url(settings.resolved_database_url)
    try:
        await wait_until_reachable(
            store.engine,
            wait_seconds=settings.database_wait_seconds,
            notify=lambda line: print(f"jaring: {line}", file=sys.stderr),
        )
        if args.db_command == "upgrade":
            await migrate.upgrade(store.engine, args.revision)
        elif args.db_command == "downgrade":
            await migrate.downgrade(store.engine, args.revision)
        revision = await migrate.current_revision(store.engine)
        Voice(Catalogs.load(), language).say("cli.db.revision", revision=revision or msg("cli.db.empty"))
        return 0
    finally:
        await store.close()


async def _administer(args: argparse.Namespace, jaring: Jaring, language: str) -> int:
    from bot.commands import administer as admin_commands

    say = Voice.of(jaring, language)
    try:
        if args.command == "admin":
            say.out(await admin_commands.add_admin(jaring, args.address, language=language))
        elif args.command == "invite":
            code = await admin_commands.create_invite(
                jaring, args.role, kelurahan=args.kelurahan, rt=args.rt, rw=args.rw, days=args.days, language=language
            )
            say.say("cli.invite.code", code=code, days=args.days)
            say.say("cli.invite.how", code=code)
        elif args.registration_command == "alive":
            from bot.commands.renewal import mark_alive

            say.out(await mark_alive(jaring, args.id, args.reason, language=language))
        else:
            said = await admin_commands.set_status(
                jaring,
                args.id,
                args.status,
                args.reason,
                args.kpj,
                override_flags=args.override_flags,
                language=language,
            )
            say.out(said)
    except (ValueError, LookupError) as exc:
        print(f"jaring: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # `python -m bot.cli …`: how the bot starts `jaring questions train` as a child
    sys.exit(main())
