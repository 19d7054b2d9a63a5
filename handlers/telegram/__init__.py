"""The Telegram channel's edge: parse updates, render replies, send them paced, receive the webhook.

It knows nothing of the database; `bot/channels/telegram.py` joins it to the inbound pipeline."""

from handlers.telegram.client import ALLOWED_UPDATES, TelegramClient
from handlers.telegram.pacing import Pacer, Rate
from handlers.telegram.parsing import CHANNEL, ForTheCore, Ignored, NotPrivate, ParsedUpdate, parse_update
from handlers.telegram.rendering import TelegramText, fits_a_keyboard, render, split_text
from handlers.telegram.sender import TelegramSender
from handlers.telegram.webhook import SECRET_HEADER, WEBHOOK_PATH, webhook_route

__all__ = [
    "ALLOWED_UPDATES",
    "CHANNEL",
    "SECRET_HEADER",
    "WEBHOOK_PATH",
    "ForTheCore",
    "Ignored",
    "NotPrivate",
    "Pacer",
    "ParsedUpdate",
    "Rate",
    "TelegramClient",
    "TelegramSender",
    "TelegramText",
    "fits_a_keyboard",
    "parse_update",
    "render",
    "split_text",
    "webhook_route",
]
