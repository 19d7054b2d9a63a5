"""The few words the Telegram edge says itself, outside any conversation: the command menu and the
answer in group chats. Everything a conversation says comes from the catalogs in `locales/`."""

from __future__ import annotations

__all__ = ["COMMANDS", "PRIVATE_CHAT_ONLY"]

# (command, description) per language code; "" is the default Telegram shows when the person's app
# language has no list of its own. Commands are the global words, so the core already knows them.
COMMANDS: dict[str, tuple[tuple[str, str], ...]] = {
    "": (
        ("menu", "Menu utama"),
        ("batal", "Batalkan langkah yang sedang berjalan"),
        ("bantuan", "Cara memakai Jaring"),
    ),
    "en": (
        ("menu", "Main menu"),
        ("batal", "Cancel what you are doing"),
        ("bantuan", "How to use Jaring"),
    ),
}

PRIVATE_CHAT_ONLY = "Maaf, Jaring hanya melayani lewat chat pribadi. Buka {link} lalu kirim /start."
