"""Golden transcripts: whole conversations in the `jaring chat --jsonl` format, run through the same
path as every channel (inbox → engine → outbox → sender), on a fresh database with a fixed clock.

A transcript file holds input lines `{"from", "text"}` and, after each, the lines the bot must send
`{"to", "text", "choices"}`. A few control lines set the scene:
- `{"programme": "kota-malang.toml"}` (first line): run under another programme file;
- `{"restart": true}`: stop the bot and start it again on the same database;
- `{"invite": CODE, "role": …, "kelurahan": …, "rt": …, "rw": …}`: the Dinas made an invite code;
- `{"status": ID, "becomes": STATUS, "reason": …, "kpj": …, "coverage_start": "YYYY-MM-DD"}`: the Dinas
  changed a registration's status (and BPJS TK's KPJ number and start date, when given);
- `{"admin": NAME}`: the person writing as NAME was made a Dinas admin (`jaring admin add terminal:NAME`);
- `{"old_registration": {"from": NAME, "nik": …, "name": …, "born": "YYYY-MM-DD", "kelurahan": CODE,
  "status": …}}`: a registration NAME made before the programme's rules were checked at registration (a
  row the store already holds, e.g. born in 1956, which the registration flow would refuse today);
- `{"imported": {"nik": …, "name": …, "born": "YYYY-MM-DD", "kelurahan": CODE, "kpj": …, "start":
  "YYYY-MM-DD", "year": YYYY, "job": JOB_ID}}`: a participant the Pemda already had, as `jaring import
  participants` stores one (active, no chat linked yet, held under the Pemda's public task);
- `{"import_participants": {"file": "peserta.csv", "rows": [[header…], [row…], …], "dry_run": false,
  "year": YYYY}}`: the Dinas ran `jaring import participants` (Indonesian) on that file, written into a
  temporary folder (`--year` when "year" is given); what the command printed follows as
  `{"printed": [lines…]}`, compared like the bot's lines;
- `{"renewal": "open" | "remind" | "show" | "export" | "close"}`: the Dinas ran `jaring renewal ACTION`
  (Indonesian; `export` writes its file into the temporary working folder); what it printed, refusals
  included, follows as `{"printed": [lines…]}`, then the letters it queued are delivered;
- `{"revoke": NAME, "role": ROLE}`: the Dinas revoked that role of the person writing as NAME (`jaring role
  revoke terminal:NAME ROLE`); the notice they are sent arrives with the replies to their next message;
- `{"quota": PLACES}`: the Dinas set this year's quota (`jaring quota set PLACES`);
- `{"approve": true}`: the Dinas approved the verified registrations within the quota, in priority
  order (`jaring registration approve`);
- `{"advance": {"days": 3}}`: time passes (the clock moves on; no message is sent);
- `{"remind": true}`: the hourly claim-reminder round runs (`jaring claims remind`);
- `{"broadcasts": true}`: one round of `jaring serve`'s broadcast runner (start what is due, progress,
  reports), then what it queued is delivered;
- `{"sponsor_remind": true}`: the hourly round of the sponsors' months runs (`jaring sponsors remind`:
  reminders, a missed month told to the Dinas, the grace period, months run out, codes expired), then what
  it queued is delivered;
- `{"codes": ["ABCD2345", …]}`: the next codes the bot makes (a sponsor's code for a worker, an invite made
  in chat) are these, in order, instead of random ones.

To re-record after an intended change of wording, run
`JARING_UPDATE_TRANSCRIPTS=1 uv run pytest tests/test_transcripts.py` and review the diff."""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import Jaring, open_jaring
from bot.channels.terminal import chat_jsonl
from bot.commands.administer import add_admin, approve_registrations, revoke_role, set_quota
from bot.commands.participant_import import run_participant_import_command
from bot.commands.renewal import run_renewal_command
from bot.desks.roles import invite_hash
from bot.desks.status_news import change_status
from bot.outbound.broadcast_runner import BroadcastRunner
from bot.outbound.reminders import remind_idle_claims, remind_sponsors
from bot.settings import PROJECT_DIR, Settings
from conversations.letters import Letter
from db.repositories import contacts, invites, registrations
from db.repositories.participants import ImportedParticipant, add_imported
from tests.conftest import FixedClock

TRANSCRIPTS = sorted((Path(__file__).parent / "transcripts").glob("*.jsonl"))
UPDATE = os.environ.get("JARING_UPDATE_TRANSCRIPTS") == "1"
Line = dict[str, Any]


def _lines(path: Path) -> list[Line]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _write(path: Path, lines: list[Line]) -> None:
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")


async def _command(jaring: Jaring, line: Line) -> bool:
    """A control line that is one of the Dinas's commands (each its own transaction); False: not one."""
    if "admin" in line:
        await add_admin(jaring, f"terminal:{line['admin']}")
    elif "revoke" in line:
        await revoke_role(jaring, f"terminal:{line['revoke']}", line["role"])
    elif "quota" in line:
        await set_quota(jaring, line["quota"])
    elif line.get("approve"):
        await approve_registrations(jaring)
    else:
        return False
    return True


async def _control(jaring: Jaring, line: Line) -> None:
    now = jaring.pipeline.clock()
    async with jaring.store.transaction() as session:
        if "invite" in line:
            await invites.create_invite(
                session,
                invite_hash(jaring.cipher, line["invite"]),
                line["role"],
                created_by="test",
                now=now,
                expires_at=now + timedelta(days=14),
                kelurahan_code=line.get("kelurahan"),
                rt=line.get("rt"),
                rw=line.get("rw"),
            )
        elif "old_registration" in line:
            await _old_registration(jaring, session, line["old_registration"], now)
        elif "imported" in line:
            await _imported(jaring, session, line["imported"], now)
        elif "status" in line:
            start = line.get("coverage_start")
            post: list[Letter] = []
            await change_status(
                session,
                post,
                line["status"],
                line["becomes"],
                now=now,
                actor="test",
                reason=line.get("reason", ""),
                kpj=line.get("kpj", ""),
                coverage_start=date.fromisoformat(start) if start else None,
                programme=jaring.programme,
            )
            await jaring.outbox_writer.letters(session, post, now)


async def _old_registration(jaring: Jaring, session: AsyncSession, fields: Line, now: datetime) -> None:
    contact = await contacts.get_or_create_contact(session, "terminal", fields["from"], now)
    nik = fields["nik"]
    row = await registrations.add_registration(
        session,
        {
            "programme_id": jaring.programme.id,
            "nik_cipher": jaring.cipher.encrypt(nik),
            "nik_hash": jaring.cipher.blind_index(nik),
            "full_name": fields["name"],
            "birth_date": date.fromisoformat(fields["born"]),
            "female": int(nik[6:8]) > 40,
            "kelurahan_code": fields["kelurahan"],
            "rt": "003",
            "rw": "005",
            "street": "Jl. Sampangan",
            "job_type": "tukang_becak",
            "job_text": "narik becak",
            "phone": "6281234567890",
            "breadwinner": True,
            "poverty_register": "yes",
            "registrant_contact_id": contact.id,
            "operator_contact_id": None,
            "consent_via": "self",
            "consent_notice_version": "before-issue-14",
            "consent_recorded_at": now,
        },
        None,
        now,
    )
    row.status = fields.get("status", "submitted")
    await session.flush()


async def _imported(jaring: Jaring, session: AsyncSession, fields: Line, now: datetime) -> None:
    nik = fields["nik"]
    participant = ImportedParticipant(
        nik_cipher=jaring.cipher.encrypt(nik),
        nik_hash=jaring.cipher.blind_index(nik),
        full_name=fields["name"],
        birth_date=date.fromisoformat(fields["born"]),
        female=int(nik[6:8]) > 40,
        kelurahan_code=fields["kelurahan"],
        kpj=fields["kpj"],
        coverage_start=date.fromisoformat(fields["start"]),
        budget_year=fields["year"],
        job_type=fields.get("job", "tukang_becak"),
    )
    legal_basis = jaring.programme.privacy.legal_basis
    await add_imported(session, jaring.programme.id, [participant], legal_basis=legal_basis, now=now)


async def _import_participants(jaring: Jaring, fields: Line, folder: Path) -> Line:
    """`jaring import participants FILE`, the file written from the line's rows; what it printed."""
    path = folder / fields["file"]
    with path.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file, delimiter=";").writerows(fields["rows"])
    printed: list[str] = []
    await run_participant_import_command(
        jaring, path, dry_run=fields.get("dry_run", False), year=fields.get("year"), out=printed.append
    )
    return {"printed": printed}


async def _renewal(jaring: Jaring, action: Any) -> list[Line]:
    """`jaring renewal ACTION`: what it printed, then the letters it queued, delivered."""
    printed: list[str] = []
    await run_renewal_command(jaring, action, out=printed.append, err=printed.append)
    lines = [line for said in printed for line in said.splitlines()]
    return [{"printed": lines}, *await _say_nothing(jaring)]


async def _run_round(jaring: Jaring, line: Line) -> list[Line] | None:
    """A control line that runs what `jaring serve` or a Dinas command runs, and what it sent (and
    printed); None: not one of those."""
    if line.get("remind"):
        return await _reminders(jaring)
    if line.get("broadcasts"):
        return await _broadcast_round(jaring)
    if "renewal" in line:
        return await _renewal(jaring, line["renewal"])
    if line.get("sponsor_remind"):
        await remind_sponsors(jaring, jaring.pipeline.clock())
        return await _say_nothing(jaring)
    return None


async def _reminders(jaring: Jaring) -> list[Line]:
    """Run a reminder round and deliver what it queued, as `jaring serve` would."""
    await remind_idle_claims(jaring, jaring.settings.claim_reminder_days, jaring.pipeline.clock())
    return await _say_nothing(jaring)


async def _broadcast_round(jaring: Jaring) -> list[Line]:
    """Run a broadcast round on the terminal channel and deliver what it queued, as `jaring serve` would."""
    await BroadcastRunner.for_jaring(jaring, ["terminal"]).run_round()
    return await _say_nothing(jaring)


async def _say_nothing(jaring: Jaring) -> list[Line]:
    out = io.StringIO()
    assert await chat_jsonl(jaring, io.StringIO(""), out, io.StringIO()) == 0
    return [json.loads(sent) for sent in out.getvalue().splitlines()]


async def _say(jaring: Jaring, line: Line) -> list[Line]:
    out = io.StringIO()
    assert await chat_jsonl(jaring, io.StringIO(json.dumps(line) + "\n"), out, io.StringIO()) == 0
    return [json.loads(sent) for sent in out.getvalue().splitlines()]


class _QueuedCodes:
    """`secrets` as bot/desks/roles.py's code maker sees it: the characters of the codes a transcript named
    with `{"codes": [...]}`, then random ones again."""

    def __init__(self) -> None:
        self.characters: list[str] = []

    def choice(self, alphabet: str) -> str:
        return self.characters.pop(0) if self.characters else secrets.choice(alphabet)


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
async def test_transcript(
    path: Path, settings: Settings, clock: FixedClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = _lines(path)
    codes = _QueuedCodes()
    monkeypatch.setattr("bot.desks.roles.secrets", codes)
    if "programme" in script[0]:
        settings = settings.model_copy(update={"program_file": PROJECT_DIR / "programmes" / script[0]["programme"]})
    jaring = await open_jaring(settings, clock)
    recorded: list[Line] = []
    try:
        for line in script:
            if "to" in line or "printed" in line:
                continue  # expected output: compared below
            recorded.append(line)
            if "from" in line:
                recorded += await _say(jaring, line)
                clock.advance(minutes=1)
            elif line.get("restart"):
                await jaring.close()
                jaring = await open_jaring(settings, clock)
            elif "advance" in line:
                clock.advance(**line["advance"])
            elif "codes" in line:
                codes.characters += [character for code in line["codes"] for character in code]
            elif (ran := await _run_round(jaring, line)) is not None:
                recorded += ran
            elif "import_participants" in line:
                recorded.append(await _import_participants(jaring, line["import_participants"], tmp_path))
            elif "programme" not in line and not await _command(jaring, line):
                await _control(jaring, line)
    finally:
        await jaring.close()
    if UPDATE:
        _write(path, recorded)
    said = [line for line in recorded if "to" in line or "printed" in line]
    assert said == [line for line in script if "to" in line or "printed" in line]


def test_there_are_transcripts() -> None:
    assert len(TRANSCRIPTS) >= 5
