"""Telegram joined to the inbound pipeline.

Every update goes through `handle_update`: parsed by the edge, stored and answered by the pipeline,
and only then confirmed to Telegram — by asking for the next updates past it (polling) or by the
webhook's 200. A crash or restart therefore loses no update, and the inbox (unique on the update id)
makes a redelivered one a no-op. Around the core, the edge acknowledges taps, takes the keyboard
off a question once it is answered, and answers in groups that the bot works in a private chat."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from starlette.routing import BaseRoute
from telegram import BotCommand
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError

from bot.clock import Clock
from bot.inbound.pipeline import AnsweredQuestion, HandleResult, InboundHandler
from bot.outbound.shared_pacing import SharedSlots
from bot.settings import Settings, SettingsError
from db.connection import Store
from handlers.sending import OutgoingChoice
from handlers.slots import SlotsUnavailable
from handlers.telegram import (
    ALLOWED_UPDATES,
    CHANNEL,
    WEBHOOK_PATH,
    ForTheCore,
    Ignored,
    NotPrivate,
    Pacer,
    Rate,
    TelegramClient,
    TelegramSender,
    fits_a_keyboard,
    parse_update,
    webhook_route,
)
from handlers.telegram.parsing import update_id_of
from handlers.telegram.sender import retry_after_seconds
from handlers.telegram.texts import COMMANDS, PRIVATE_CHAT_ONLY

__all__ = ["OVERALL_BURST", "TelegramChannel"]

log = logging.getLogger(__name__)

POLL_TIMEOUT_SECONDS = 30  # a long poll: Telegram answers as soon as an update arrives
PER_CHAT_BURST = 3  # Telegram tolerates short bursts above 1 message a second in one chat
# Overall, sends are spaced evenly: a burst of a second's worth after a quiet spell would put twice the
# limit into one second (and earn a 429); a reply still leaves at once when the bot is quiet.
OVERALL_BURST = 1
GROUP_NOTICE_EVERY_SECONDS = 300.0  # answer a busy group at most this often
_MAX_POLL_BACKOFF_SECONDS = 30.0
_SHUTDOWN_GRACE_SECONDS = 10.0
_REMEMBERED_CHATS = 10_000


class TelegramChannel:
    name = CHANNEL

    def __init__(
        self,
        client: TelegramClient,
        pipeline: InboundHandler,
        *,
        clock: Clock,
        pacer: Pacer,
        backoff: Callable[[int], float],
        webhook_url: str = "",
        webhook_secret: str = "",
        poll_timeout: int = POLL_TIMEOUT_SECONDS,
        poll_limit: int = 100,
        retry_pause_seconds: float = 1.0,
    ) -> None:
        self.client = client
        self.pipeline = pipeline
        self.clock = clock
        self.pacer = pacer
        self.sender = TelegramSender(client, pacer, backoff)
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.poll_timeout = poll_timeout
        self.poll_limit = poll_limit
        self.retry_pause_seconds = retry_pause_seconds  # the first pause after a failure; it doubles
        self.slots: SharedSlots | None = None  # the shared limits the pacer reserves from, if any
        self.bot_id = 0
        self.username = ""
        self._tasks: set[asyncio.Task[None]] = set()
        self._keyboards_removed: OrderedDict[int, int] = OrderedDict()  # chat → message whose keyboard is gone
        self._groups_told: OrderedDict[int, float] = OrderedDict()  # group chat → when it was last answered

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        pipeline: InboundHandler,
        *,
        clock: Clock,
        backoff: Callable[[int], float],
        store: Store | None = None,
    ) -> TelegramChannel:
        """With a PostgreSQL `store` the limits are shared by every worker on it (`SharedSlots`); on
        SQLite (one process) or without a store they are kept in memory."""
        slots = SharedSlots(store) if store is not None and not store.is_sqlite else None
        pacer = Pacer(
            per_chat=Rate(settings.telegram_messages_per_second_per_chat, PER_CHAT_BURST),
            overall=Rate(settings.telegram_messages_per_second, OVERALL_BURST),
            slots=slots,
        )
        channel = cls(
            TelegramClient(settings.telegram_bot_token, settings.telegram_api_base),
            pipeline,
            clock=clock,
            pacer=pacer,
            backoff=backoff,
            webhook_url=settings.telegram_webhook_url,
            webhook_secret=settings.telegram_webhook_secret,
        )
        channel.slots = slots
        return channel

    @property
    def uses_webhook(self) -> bool:
        return bool(self.webhook_url)

    # ---- start and stop ----------------------------------------------------------------------

    async def start(self) -> None:
        """Check the token (getMe), register the command menu, and set up webhook or polling.
        Raises SettingsError with one line saying what to fix."""
        try:
            await self.client.initialize()
            self.bot_id, self.username = self.client.id, self.client.username
            await self._register_commands()
            if not self.uses_webhook:  # getUpdates is refused while a webhook is set
                await self.client.delete_webhook(drop_pending_updates=False)
        except InvalidToken as exc:
            refused = "invalid setting TELEGRAM_BOT_TOKEN: Telegram refused it; copy it again from @BotFather"
            raise SettingsError(refused) from exc
        except TelegramError as exc:
            raise SettingsError(f"Telegram start-up failed ({self.client.api_base}): {exc.message}") from exc
        if self.uses_webhook:
            await self._set_webhook()
        mode = f"webhook {self.webhook_url}" if self.uses_webhook else "long polling"
        log.info("telegram: @%s (id %s) by %s", self.username, self.bot_id, mode)

    async def _set_webhook(self) -> None:
        if not urlsplit(self.webhook_url).path.endswith(WEBHOOK_PATH):
            log.warning("TELEGRAM_WEBHOOK_URL does not end in %s: make sure your proxy forwards it there", WEBHOOK_PATH)
        try:
            await self.client.set_webhook(
                self.webhook_url, secret_token=self.webhook_secret, allowed_updates=ALLOWED_UPDATES
            )
        except TelegramError as exc:  # e.g. "bad webhook: An HTTPS URL must be provided for webhook"
            raise SettingsError(f"invalid setting TELEGRAM_WEBHOOK_URL: Telegram refused it: {exc.message}") from exc

    async def _register_commands(self) -> None:
        for language, commands in COMMANDS.items():
            await self.client.set_my_commands(
                [BotCommand(command, description) for command, description in commands], language_code=language or None
            )

    def routes(self) -> Sequence[BaseRoute]:
        return [webhook_route(self.webhook_secret, self.handle_update)] if self.uses_webhook else []

    async def close(self) -> None:
        """Let the taps and keyboard edits in progress finish, then close the HTTP client."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=_SHUTDOWN_GRACE_SECONDS)
        late = set(self._tasks)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
        if self.slots is not None:
            await self.slots.aclose()
        await self.client.shutdown()

    # ---- receiving ---------------------------------------------------------------------------

    async def run(self, stopping: asyncio.Event) -> None:
        """Receive until `stopping` is set: long polling, or nothing to do when the webhook receives."""
        if self.uses_webhook:
            await stopping.wait()
        else:
            await self.poll(stopping)

    async def poll(self, stopping: asyncio.Event) -> None:
        """getUpdates → store each update → only then ask past it, which tells Telegram to forget it."""
        offset: int | None = None
        failures = 0
        while not stopping.is_set():
            try:
                updates = await _unless_stopped(
                    self.client.get_update_json(offset=offset, wait=self.poll_timeout, limit=self.poll_limit),
                    stopping,
                )
            except TelegramError as exc:
                failures += 1
                await _sleep_unless_stopped(self._poll_backoff(exc, failures), stopping)
                continue
            if updates is None:
                break
            failures = 0
            # All of them at once: they join the same group commit (one transaction, not one each), and
            # each chat's updates stay in order because they are handed over in order.
            outcomes = await asyncio.gather(*(self.handle_update(update) for update in updates), return_exceptions=True)
            for update, outcome in zip(updates, outcomes, strict=True):
                update_id = update_id_of(update)
                if isinstance(outcome, BaseException) and not isinstance(outcome, Exception):
                    raise outcome  # the process is stopping or dying: the rest come again after a restart
                if isinstance(outcome, Exception):  # not stored (database down?): fetched again after a pause
                    log.error("telegram update %s not stored: %s", update_id, type(outcome).__name__)
                    failures += 1
                    await _sleep_unless_stopped(self._pause_after(failures), stopping)
                    break
                if update_id is not None:
                    offset = max(offset or 0, update_id + 1)
        await self._confirm(offset)

    async def _confirm(self, offset: int | None) -> None:
        """Tell Telegram that everything before `offset` is stored, so a restart is not sent it again
        (it would be a harmless duplicate; this only saves the work)."""
        if offset is None:
            return
        with contextlib.suppress(TelegramError, TimeoutError):
            async with asyncio.timeout(2):
                await self.client.get_update_json(offset=offset, wait=0, limit=1)

    def _poll_backoff(self, error: TelegramError, failures: int) -> float:
        if isinstance(error, RetryAfter):
            return retry_after_seconds(error)
        if isinstance(error, Conflict):
            log.error("telegram: getUpdates refused: another process polls with this token, or a webhook is set")
        else:
            log.warning("telegram: getUpdates failed: %s", type(error).__name__)
        return self._pause_after(failures)

    def _pause_after(self, failures: int) -> float:
        return min(self.retry_pause_seconds * 2.0 ** (failures - 1), _MAX_POLL_BACKOFF_SECONDS)

    async def handle_update(self, update: Mapping[str, Any]) -> None:
        """Store one update through the pipeline (raises when it could not be stored); what the edge
        does around it runs in the background."""
        if not self.bot_id:  # a webhook left from an earlier run may deliver before getMe has answered
            raise RuntimeError("the Telegram channel has not started yet")
        parsed = parse_update(update, bot_id=self.bot_id, received_at=self.clock())
        if isinstance(parsed, ForTheCore):
            if parsed.callback_query_id:  # stop the button's spinner now; the tap itself is stored below
                self._in_background(self._quietly(self.client.answer_callback_query(parsed.callback_query_id)))
            handled = await self.pipeline.handle(parsed.inbound)
            keyboard = parsed.tapped_message_id or self._keyboard_to_remove(parsed.chat_id, handled.answered)
            if keyboard is not None and handled.result is not HandleResult.DUPLICATE:
                self._in_background(self._remove_keyboard(parsed.chat_id, keyboard))
        elif isinstance(parsed, NotPrivate):
            self._in_background(self._answer_group(parsed))
        else:
            assert isinstance(parsed, Ignored)
            log.debug("telegram update %s ignored: %s", update_id_of(update), parsed.reason)
            if parsed.callback_query_id:
                self._in_background(self._quietly(self.client.answer_callback_query(parsed.callback_query_id)))

    # ---- around the core ---------------------------------------------------------------------

    def _keyboard_to_remove(self, chat_id: int, answered: AnsweredQuestion | None) -> int | None:
        """The question the message answered, if its buttons are a keyboard still showing."""
        if answered is None or not answered.provider_message_id.isdigit():
            return None
        if not fits_a_keyboard([OutgoingChoice(c["id"], c["label"]) for c in answered.choices]):
            return None  # those choices went out as numbered text: there is no keyboard
        message_id = int(answered.provider_message_id)
        return None if self._keyboards_removed.get(chat_id) == message_id else message_id

    async def _remove_keyboard(self, chat_id: int, message_id: int) -> None:
        """The question was answered: its buttons go, so they cannot be tapped twice."""
        await self._quietly(self.client.remove_keyboard(chat_id, message_id))
        _remember(self._keyboards_removed, chat_id, message_id)

    async def _answer_group(self, parsed: NotPrivate) -> None:
        if parsed.callback_query_id:
            await self._quietly(self.client.answer_callback_query(parsed.callback_query_id))
        now = time.monotonic()
        told = self._groups_told.get(parsed.chat_id)
        if told is not None and now - told < GROUP_NOTICE_EVERY_SECONDS:
            return
        if self.pacer.paused_for() > 0:  # a 429 (maybe another worker's): the notice can wait for the next one
            return
        _remember(self._groups_told, parsed.chat_id, now)
        try:
            await self.pacer.wait_turn(str(parsed.chat_id))
        except SlotsUnavailable:  # the shared limits could not be asked: told at the group's next message
            self._groups_told.pop(parsed.chat_id, None)
            return
        text = PRIVATE_CHAT_ONLY.format(link=f"https://t.me/{self.username}")
        await self._quietly(self.client.send_message(chat_id=parsed.chat_id, text=text))

    async def _quietly(self, call: Awaitable[object]) -> None:
        """A courtesy call (acknowledge a tap, take a keyboard away): failing it harms nothing."""
        try:
            await call
        except RetryAfter as exc:
            self.pacer.pause(retry_after_seconds(exc))
        except TelegramError as exc:
            log.info("telegram: %s (not retried)", exc.message)

    def _in_background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _remember(seen: OrderedDict[int, Any], key: int, value: Any) -> None:
    seen.pop(key, None)
    seen[key] = value
    while len(seen) > _REMEMBERED_CHATS:
        seen.popitem(last=False)


Updates = list[dict[str, Any]]


async def _unless_stopped(work: Awaitable[Updates], stopping: asyncio.Event) -> Updates | None:
    """The result of `work`, or None (and `work` cancelled) when `stopping` is set first."""
    task = asyncio.ensure_future(work)
    stop = asyncio.ensure_future(stopping.wait())
    try:
        await asyncio.wait({task, stop}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.cancel()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    return task.result() if not task.cancelled() else None


async def _sleep_unless_stopped(seconds: float, stopping: asyncio.Event) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await stopping.wait()
