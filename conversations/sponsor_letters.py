"""What the worker's side of a sponsorship says in the flows and in the desks' letters alike: the sponsor as
the worker may know them (their name only when they agreed to share it), and the reply to a letter that
asked something (the payment reminder, "stay on the waiting list?") read the way a step reads its answer."""

from __future__ import annotations

from collections.abc import Sequence

from conversations.choices import LabelledChoice, read_choice
from conversations.engine import LANGUAGES
from conversations.flow import Context
from conversations.messages import Choice, Msg, msg

__all__ = ["read_letter_reply", "sponsor_who"]

_ANONYMOUS = {
    "asn": "sponsor_worker.anonymous_asn",
    "csr": "sponsor_worker.anonymous_csr",
    "bumd": "sponsor_worker.anonymous_bumd",
}


def sponsor_who(kind: str, name: str, organisation: str) -> str | Msg:
    """ "Sri Wahyuni (Dinas Kesehatan)", "PT Maju Jaya"; "" as name (not shared): "seorang donatur ASN",
    "sebuah perusahaan (CSR)", "sebuah BUMD"."""
    if not name:
        return msg(_ANONYMOUS.get(kind, "sponsor_worker.anonymous_csr"))
    return f"{name} ({organisation})" if organisation and organisation != name else name


def read_letter_reply(ctx: Context, text: str, button: str | None, choices: Sequence[Choice]) -> str | None:
    """The choice a reply to a letter names (by button, number, label in either language, alias, a yes or
    no), or None when it names none."""
    labelled = [
        LabelledChoice(c.id, (*(ctx.renderer.render(c.label, lang) for lang in LANGUAGES), *c.aliases)) for c in choices
    ]
    return read_choice(text, button or None, labelled).choice
