"""The WhatsApp channel's edge (the Cloud API): parse webhook payloads, render replies, send them
paced within the 24-hour window or as a template, receive the signed webhook.

It knows nothing of the database; `bot/channels/whatsapp.py` joins it to the inbound pipeline."""

from handlers.whatsapp.client import DEFAULT_API_BASE, GraphAnswer, GraphClient
from handlers.whatsapp.pacing import Throttle
from handlers.whatsapp.parsing import CHANNEL, ForTheCore, ParsedPayload, StatusUpdate, parse_payload
from handlers.whatsapp.rendering import render, split_text, template_text
from handlers.whatsapp.sender import NO_TEMPLATE, Template, WhatsAppSender
from handlers.whatsapp.webhook import SIGNATURE_HEADER, WEBHOOK_PATH, sign, webhook_routes

__all__ = [
    "CHANNEL",
    "DEFAULT_API_BASE",
    "NO_TEMPLATE",
    "SIGNATURE_HEADER",
    "WEBHOOK_PATH",
    "ForTheCore",
    "GraphAnswer",
    "GraphClient",
    "ParsedPayload",
    "StatusUpdate",
    "Template",
    "Throttle",
    "WhatsAppSender",
    "parse_payload",
    "render",
    "sign",
    "split_text",
    "template_text",
    "webhook_routes",
]
