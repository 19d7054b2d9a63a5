"""The terminal channel: `jaring chat` for a person, `jaring chat --jsonl` for programs and tests."""

from handlers.terminal.jsonl import JsonlSender, parse_jsonl_line
from handlers.terminal.person import PersonSender, render_for_person, wrap_between_words

__all__ = ["CHANNEL", "JsonlSender", "PersonSender", "parse_jsonl_line", "render_for_person", "wrap_between_words"]

CHANNEL = "terminal"
