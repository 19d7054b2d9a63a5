"""How a `jaring` command says something: a catalog key in the command's language (Indonesian, or
English with `--english`), a time in the programme's own zone with its name (WIB, WITA, WIT), a count
grouped the language's way. Used by every command's front-end; the texts are in
`locales/*/LC_MESSAGES/cli.po`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from conversations.messages import Msg, Param, msg
from conversations.numbers import count_text
from conversations.send_times import local_time_text

if TYPE_CHECKING:
    from bot.app import Jaring
    from locales import Catalogs

__all__ = ["CLI_LANGUAGE", "Voice"]

# A Dinas officer reads Indonesian at an Indonesian desk; English is asked for with `--english`, per
# command: the language belongs to whoever reads, not to the deployment (a setting in .env would switch
# every officer on the machine, and a pasted command would not say which language its output was in).
CLI_LANGUAGE = "id"


@dataclass(frozen=True, slots=True)
class Voice:
    """Say this in the command's language: a catalog key and its values, rendered; a time, in the
    programme's own zone ("25-11-2026 08.00 WIB"); a count, grouped the language's way."""

    catalogs: Catalogs
    language: str = CLI_LANGUAGE
    timezone: str = "Asia/Jakarta"
    out: Callable[[str], None] = print

    @classmethod
    def of(cls, jaring: Jaring, language: str, out: Callable[[str], None] = print) -> Voice:
        return cls(jaring.catalogs, language, jaring.programme.timezone, out)

    def text(self, message: Msg | str, **params: Param) -> str:
        said = msg(message, **params) if isinstance(message, str) else message
        return self.catalogs.render(said, self.language)

    def say(self, message: Msg | str, **params: Param) -> None:
        self.out(self.text(message, **params))

    def complain(self, message: Msg | str, **params: Param) -> None:
        """One line on stderr, after the program's name, as every `jaring` error."""
        print(f"jaring: {self.text(message, **params)}", file=sys.stderr)

    def time(self, moment: datetime) -> str:
        return local_time_text(moment, self.timezone)

    def number(self, value: int) -> str:
        """1700 → "1.700", or "1,700" in English."""
        return count_text(value, self.language)
