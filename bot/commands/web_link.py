"""`jaring web link CHANNEL:ID`: a one-time sign-in link to the web desk for an admin or a verifier,
printed here (the first admin, made with `jaring admin add`, has no other way in before the bot runs)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.commands.voice import CLI_LANGUAGE, Voice
from bot.desks.web_sign_in import is_officer, new_link
from conversations.requests.web import LINK_MINUTES
from db.repositories import contacts

if TYPE_CHECKING:
    from bot.app import Jaring
    from bot.commands.person_ids import PersonId

__all__ = ["print_web_link"]


async def print_web_link(jaring: Jaring, person: PersonId, *, language: str = CLI_LANGUAGE) -> int:
    say = Voice.of(jaring, language)
    now = jaring.pipeline.clock()
    async with jaring.store.transaction() as session:
        contact = await contacts.find_contact(session, person.channel, person.channel_id)
        if contact is None or not await is_officer(session, contact.id):
            say.complain("cli.web.not_officer", person=f"{person.channel}:{person.channel_id}")
            return 2
        url = await new_link(session, contact, jaring.settings.desk_url, now=now, by="cli")
    say.say("cli.web.link", minutes=LINK_MINUTES)
    say.out(url)
    return 0
