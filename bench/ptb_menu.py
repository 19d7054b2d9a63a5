"""The "ptb conversation" contender of bench.telegram_throughput: a python-telegram-bot `Application`
with a persistent `ConversationHandler` that answers "halo" with the menu Jaring sends (its text and
ten inline buttons), the state kept per chat, each state change on disk before the next update.

Durability: PTB's own `PicklePersistence` hands the changes to the file only every `update_interval`
(60 s by default), and then rewrites the whole pickle (every chat's state) in place for each change,
without fsync, so a crash while writing loses every chat's state. Here instead:

- `SqliteConversations`, a `BasePersistence` that keeps only the conversations, one row per chat in a
  SQLite file, WAL with `synchronous=NORMAL`: the same engine and pragmas as Jaring's store, so the
  comparison is between the frameworks, not between a pickle and a database. It writes with the
  standard `sqlite3` module on the event loop: one upsert and commit takes tens of microseconds, less
  than a hand-off to a thread would; the Application handles one update at a time anyway.
- `FlushingApplication` calls `update_persistence()` after every update, so each change is committed
  before the next update is processed. PTB's `ConversationHandler` records the new state only when the
  callback has returned, so the reply leaves just before its state is written (Jaring writes first,
  then replies); the write is on the path of every following update, so only the last one's write
  falls outside the benchmark's clock. Every update's state is written, even when it equals the
  stored one (PicklePersistence skips those): one upsert, tens of microseconds.

What it still does not promise, and Jaring does: PTB's Updater confirms an update (the next
getUpdates offset) before it is processed, so a crash can lose updates it had fetched; and there is no
inbox to make a redelivered update a no-op.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    BasePersistence,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    PersistenceInput,
    filters,
)

__all__ = ["MENU_TEXT", "FlushingApplication", "SqliteConversations", "menu_application"]

# What Jaring answers "halo" with on Telegram (177 characters, ten buttons, one per row).
MENU_TEXT = (
    "Halo! Saya Jaring, asisten program Batik Berlian: perlindungan BPJS Ketenagakerjaan untuk pekerja "
    "rentan, tanpa biaya bagi pekerja.\n\nMenu utama. Balas dengan nomor pilihan Anda:"
)
MENU_BUTTONS = (
    ("1. Cek kelayakan", "eligibility"),
    ("2. Daftar", "registration"),
    ("3. Tanya manfaat", "benefits"),
    ("4. Klaim ahli waris", "claim"),
    ("5. Lapor kecelakaan kerja", "accident_report"),
    ("6. Cek status", "status"),
    ("7. Data saya", "my_data"),
    ("8. Privasi dan data pribadi", "privacy"),
    ("9. Ganti bahasa (Language)", "language"),
    ("10. Bantuan", "help"),
)
MAIN_MENU = "main_menu"

ConversationKey = tuple[int | str, ...]
Data = dict[Any, Any]


class SqliteConversations(BasePersistence[Data, Data, Data]):
    """Conversation states only (no user, chat, bot or callback data), one row per (handler, key)."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=False, user_data=False, callback_data=False),
            update_interval=60,  # the timer is a fallback: FlushingApplication writes after every update
        )
        self.connection = sqlite3.connect(path, isolation_level=None)  # autocommit: one statement, one commit
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=NORMAL")
        self.connection.execute(
            "CREATE TABLE IF NOT EXISTS conversation (name TEXT, key TEXT, state TEXT, PRIMARY KEY (name, key))"
        )
        self.writes = 0

    async def get_conversations(self, name: str) -> MutableMapping[ConversationKey, object]:
        rows = self.connection.execute("SELECT key, state FROM conversation WHERE name = ?", (name,))
        return {tuple(json.loads(key)): json.loads(state) for key, state in rows}

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        if new_state is None:
            self.connection.execute("DELETE FROM conversation WHERE name = ? AND key = ?", (name, json.dumps(key)))
        else:
            self.connection.execute(
                "INSERT INTO conversation (name, key, state) VALUES (?, ?, ?) "
                "ON CONFLICT (name, key) DO UPDATE SET state = excluded.state",
                (name, json.dumps(key), json.dumps(new_state)),
            )
        self.writes += 1

    async def get_user_data(self) -> dict[int, Data]:
        return {}

    async def get_chat_data(self) -> dict[int, Data]:
        return {}

    async def get_bot_data(self) -> Data:
        return {}

    async def get_callback_data(self) -> None:
        return None

    async def update_user_data(self, user_id: int, data: Data) -> None:
        pass

    async def update_chat_data(self, chat_id: int, data: Data) -> None:
        pass

    async def update_bot_data(self, data: Data) -> None:
        pass

    async def update_callback_data(self, data: Any) -> None:
        pass

    async def drop_chat_data(self, chat_id: int) -> None:
        pass

    async def drop_user_data(self, user_id: int) -> None:
        pass

    async def refresh_user_data(self, user_id: int, user_data: Data) -> None:
        pass

    async def refresh_chat_data(self, chat_id: int, chat_data: Data) -> None:
        pass

    async def refresh_bot_data(self, bot_data: Data) -> None:
        pass

    async def flush(self) -> None:
        self.connection.close()


class FlushingApplication(Application[Any, Any, Any, Any, Any, Any]):
    """An Application that hands every state change to the persistence before the next update."""

    async def process_update(self, update: object) -> None:
        await super().process_update(update)
        await self.update_persistence()


async def send_menu(update: Update, _: ContextTypes.DEFAULT_TYPE) -> str:
    assert update.effective_chat is not None
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)] for label, data in MENU_BUTTONS])
    await update.effective_chat.send_message(MENU_TEXT, reply_markup=keyboard)
    return MAIN_MENU


def menu_application(token: str, base_url: str, database: Path) -> Application[Any, Any, Any, Any, Any, Any]:
    persistence = SqliteConversations(database)
    application = (
        Application.builder()
        .application_class(FlushingApplication)
        .token(token)
        .base_url(base_url)
        .persistence(persistence)
        .build()
    )
    text = filters.TEXT & ~filters.COMMAND
    conversation = ConversationHandler(
        entry_points=[MessageHandler(text, send_menu)],
        states={MAIN_MENU: [MessageHandler(text, send_menu)]},
        fallbacks=[],
        name="menu",
        persistent=True,
        per_user=False,  # one state per chat, as Jaring keeps it
    )
    application.add_handler(conversation)
    return application
