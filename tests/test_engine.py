"""The engine, one step at a time: state + inbound message + context → new state, reply keys, effects."""

from __future__ import annotations

from dataclasses import replace

import pytest

from conversations.effects import Audit, Effect, RecordConsent, SetLanguage, SetOptOut
from conversations.engine import Engine
from conversations.flow import Answer, ContactInfo, Context, Data, Finish, Flow, Goto, Step, Transition
from conversations.flows import ALL_FLOWS
from conversations.flows.privacy import CONSENT_PURPOSE, NOTICE_VERSION
from conversations.inbound import InboundKind
from conversations.messages import Choice, Money, Reply, msg
from conversations.state import IDLE, SessionState
from tests.core_support import CONSENTED_AT, MENU, choice_ids, context, inbound, keys, render_reply

# The engine's behaviour is tested on a small, fixed menu; the real menu is in the golden transcripts.
BASIC_MENU = ("about", "privacy", "language", "help")
ENGINE = Engine(ALL_FLOWS, BASIC_MENU)
MENU_IDS = ["about", "privacy", "language", "help"]
PRIVACY = SessionState("privacy", 1, "notice")
LANGUAGE = SessionState("language", 1, "choose")

GREETING_MENU = [["engine.greeting", "engine.menu"]]
NOT_UNDERSTOOD_MENU = [["engine.not_understood", "engine.menu"]]
NOTICE = ["privacy.notice", "privacy.notice_sponsors", "privacy.question"]  # Pekalongan takes CSR sponsors
CONSENT_GIVEN: tuple[Effect, ...] = (
    RecordConsent(CONSENT_PURPOSE, NOTICE_VERSION, granted=True),
    Audit("consent.granted", {"notice": NOTICE_VERSION, "purpose": CONSENT_PURPOSE}),
)
CONSENT_REFUSED: tuple[Effect, ...] = (
    RecordConsent(CONSENT_PURPOSE, NOTICE_VERSION, granted=False),
    Audit("consent.refused", {"notice": NOTICE_VERSION, "purpose": CONSENT_PURPOSE}),
)

# Where each resting state is, and what the engine asks again there after an interruption.
RESTING = {"idle": IDLE, "menu": MENU, "privacy": PRIVACY, "language": LANGUAGE}
ASKED_AGAIN: dict[str, list[list[str]]] = {
    "idle": [],
    "menu": [["engine.menu"]],
    "privacy": [NOTICE],
    "language": [["language.question"]],
}
CHOICES_AGAIN: dict[str, list[list[str]]] = {
    "idle": [],
    "menu": [MENU_IDS],
    "privacy": [["agree", "decline"]],
    "language": [["id", "en"]],
}
IN_A_FLOW = ("privacy", "language")


# ---- a consent-gated flow, only for these tests ------------------------------------------------


def _secret_start(_: Context, __: Data) -> Transition:
    return Goto("ask")


def _secret_ask(_: Context, __: Data) -> Reply:
    return Reply.of(msg("language.question"), choices=(Choice("yes", msg("privacy.agree")),))


def _secret_answer(_: Context, __: Data, answer: Answer) -> Transition:
    return Finish(say=(Reply.of(msg("about.title")),))


def _staff_only(contact: ContactInfo) -> bool:
    return "admin" in contact.roles


SECRET = Flow(
    id="secret",
    version=3,
    title=msg("privacy.withdraw"),
    start=_secret_start,
    steps={"ask": Step(ask=_secret_ask, on_answer=_secret_answer)},
    needs_consent=True,
)
STAFF = Flow(
    id="staff", version=1, title=msg("privacy.keep"), start=_secret_start, steps=SECRET.steps, in_menu=_staff_only
)
GATED = Engine((*ALL_FLOWS, SECRET, STAFF), (*BASIC_MENU, "secret", "staff"))
SECRET_ASK = SessionState("secret", 3, "ask")


# ---- the engine itself -------------------------------------------------------------------------


def test_engine_refuses_a_menu_naming_an_unknown_flow() -> None:
    with pytest.raises(ValueError, match="flows not defined: nowhere"):
        Engine(ALL_FLOWS, (*BASIC_MENU, "nowhere"))


def test_engine_needs_the_consent_flow() -> None:
    without_privacy = tuple(f for f in ALL_FLOWS if f.id != "privacy")
    with pytest.raises(ValueError, match="privacy"):
        Engine(without_privacy, ("about",))


def test_menu_shows_only_the_flows_a_contact_may_use() -> None:
    shown = [c.id for c in GATED.menu_choices(context())]
    shown_to_staff = [c.id for c in GATED.menu_choices(context(roles=frozenset({"admin"})))]
    assert shown == [*MENU_IDS, "secret"]
    assert shown_to_staff == [*MENU_IDS, "secret", "staff"]


# ---- idle and the main menu --------------------------------------------------------------------


@pytest.mark.parametrize("text", ["halo", "Halo!!", "selamat pagi", "Assalamualaikum", "p", "👋", "", "   "])
def test_greeting_or_nothing_at_idle_shows_greeting_and_menu(text: str) -> None:
    outcome = ENGINE.handle(IDLE, inbound(text), context())
    assert keys(outcome) == GREETING_MENU
    assert choice_ids(outcome) == [MENU_IDS]
    assert outcome.state == MENU
    assert outcome.effects == ()


def test_greeting_in_the_menu_greets_again() -> None:
    outcome = ENGINE.handle(MENU, inbound("halo"), context())
    assert keys(outcome) == GREETING_MENU
    assert outcome.state == MENU


@pytest.mark.parametrize("state", [IDLE, MENU], ids=["idle", "menu"])
@pytest.mark.parametrize("text", ["apa ini", "saya mau daftar menu", "qwerty"])
def test_unknown_text_shows_not_understood_and_menu(state: SessionState, text: str) -> None:
    outcome = ENGINE.handle(state, inbound(text), context())
    assert keys(outcome) == NOT_UNDERSTOOD_MENU
    assert choice_ids(outcome) == [MENU_IDS]
    assert outcome.state == MENU
    assert outcome.effects == ()


@pytest.mark.parametrize("state", [IDLE, MENU], ids=["idle", "menu"])
@pytest.mark.parametrize("text", ["5", "nomor 0", "no 12", "0"])
def test_a_number_not_on_the_menu_asks_for_one_that_is(state: SessionState, text: str) -> None:
    outcome = ENGINE.handle(state, inbound(text), context())
    assert keys(outcome) == [["engine.pick_a_number", "engine.menu"]]
    assert choice_ids(outcome) == [MENU_IDS]
    assert outcome.state == MENU


def test_menu_choices_carry_the_flow_titles() -> None:
    outcome = ENGINE.handle(IDLE, inbound("halo"), context())
    labels = [choice.label.key for choice in outcome.replies[0].choices]
    assert labels == ["about.title", "privacy.title", "language.title", "help.title"]
    assert outcome.replies[0].parts[1] == msg("engine.menu", programme="Batik Berlian")


@pytest.mark.parametrize("state", [IDLE, MENU], ids=["idle", "menu"])
@pytest.mark.parametrize(
    "text",
    ["2", "2.", "nomor 2", "no 2", "Nomor 2", "privsi", "Privasi dan data pribadi", "privacy", "privasi", "priv"],
)
def test_numbers_labels_and_typos_pick_privacy_from_the_menu(state: SessionState, text: str) -> None:
    outcome = ENGINE.handle(state, inbound(text), context())
    assert keys(outcome) == [NOTICE]
    assert choice_ids(outcome) == [["agree", "decline"]]
    assert outcome.state == PRIVACY
    assert outcome.effects == ()


@pytest.mark.parametrize(
    ("text", "expected_keys", "expected_state"),
    [
        ("1", [["about.summary", "engine.type_menu"]], IDLE),
        ("tentang", [["about.summary", "engine.type_menu"]], IDLE),
        ("About the programme", [["about.summary", "engine.type_menu"]], IDLE),
        ("tentng program", [["about.summary", "engine.type_menu"]], IDLE),
        ("3", [["language.question"]], LANGUAGE),
        ("Ganti bahasa (Language)", [["language.question"]], LANGUAGE),
        ("4", [["engine.help", "engine.type_menu"]], IDLE),
        ("bantuam", [["engine.help", "engine.type_menu"]], IDLE),
    ],
)
def test_menu_entries_start_their_flow(text: str, expected_keys: list[list[str]], expected_state: SessionState) -> None:
    outcome = ENGINE.handle(MENU, inbound(text), context())
    assert keys(outcome) == expected_keys
    assert outcome.state == expected_state
    assert outcome.effects == ()


@pytest.mark.parametrize("flow_id", MENU_IDS)
def test_menu_button_starts_its_flow(flow_id: str) -> None:
    by_button = ENGINE.handle(MENU, inbound(kind=InboundKind.CHOICE, choice_id=flow_id), context())
    by_number = ENGINE.handle(MENU, inbound(str(MENU_IDS.index(flow_id) + 1)), context())
    assert by_button == by_number
    assert by_button.state != MENU


@pytest.mark.parametrize("choice_id", ["nope", "agree", "", "ABOUT"])
def test_menu_button_not_offered_is_rejected(choice_id: str) -> None:
    outcome = ENGINE.handle(MENU, inbound("1", kind=InboundKind.CHOICE, choice_id=choice_id), context())
    assert keys(outcome) == [["engine.pick_a_number", "engine.menu"]]

    assert outcome.state == MENU


def test_spaces_around_an_answer_are_trimmed_at_the_door_never_cut_into_it() -> None:
    before = ENGINE.handle(MENU, inbound("2" + " " * 5000), context())
    after = ENGINE.handle(MENU, inbound(" \n" * 5000 + "2"), context())
    assert before.state == PRIVACY
    assert after.state == PRIVACY


# ---- about and help ----------------------------------------------------------------------------


def test_about_gives_the_figures_from_the_programme_file() -> None:
    outcome = ENGINE.handle(MENU, inbound("1"), context())
    summary = outcome.replies[0].parts[0]
    assert summary.params["premium"] == Money(16_800)  # JKK Rp10.000 + JKM Rp6.800
    assert summary.params["jkm_total"] == Money(42_000_000)
    assert summary.params["job_count"] == 16
    body, _ = render_reply(outcome.replies[0], "id")
    assert "Rp16.800" in body
    assert "Rp42.000.000" in body
    assert "tukang becak, sopir angkutan umum sistem setoran" in body
    assert body.endswith('Ketik "menu" untuk kembali ke menu utama.')


def test_help_from_the_menu_ends_the_flow() -> None:
    outcome = ENGINE.handle(MENU, inbound("4"), context("en"))
    assert keys(outcome) == [["engine.help", "engine.type_menu"]]
    assert choice_ids(outcome) == [[]]
    assert outcome.state == IDLE
    assert outcome.language == "en"


# ---- privacy -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["setuju", "Setuju!!", "1", "ya", "ok", "I agree", "stuju", "nomor 1"])
def test_privacy_agree_records_consent(text: str) -> None:
    outcome = ENGINE.handle(PRIVACY, inbound(text), context())
    assert keys(outcome) == [["privacy.thanks", "engine.type_menu"]]
    assert outcome.effects == CONSENT_GIVEN
    assert outcome.state == IDLE


@pytest.mark.parametrize("text", ["tidak setuju", "2", "tidak", "gak", "no", "I do not agree", "tidak stuju"])
def test_privacy_decline_records_refusal(text: str) -> None:
    outcome = ENGINE.handle(PRIVACY, inbound(text), context())
    assert keys(outcome) == [["privacy.declined", "engine.type_menu"]]
    assert outcome.effects == CONSENT_REFUSED
    assert outcome.state == IDLE


@pytest.mark.parametrize(("choice_id", "effects"), [("agree", CONSENT_GIVEN), ("decline", CONSENT_REFUSED)])
def test_privacy_buttons(choice_id: str, effects: tuple[Effect, ...]) -> None:
    outcome = ENGINE.handle(PRIVACY, inbound(kind=InboundKind.CHOICE, choice_id=choice_id), context())
    assert outcome.effects == effects
    assert outcome.state == IDLE


def test_a_tapped_button_is_never_read_as_a_global_word() -> None:
    outcome = ENGINE.handle(PRIVACY, inbound("batal", kind=InboundKind.CHOICE, choice_id="agree"), context())
    assert outcome.effects == CONSENT_GIVEN


@pytest.mark.parametrize("text", ["xyz", "3", "nomor 9", "setuju tidak setuju", "🙂", ""])
def test_privacy_wrong_answer_asks_again(text: str) -> None:
    state = SessionState("privacy", 1, "notice", {"then": "about"}, revision=4)
    outcome = ENGINE.handle(state, inbound(text), context())
    assert keys(outcome) == [["engine.pick_a_number", *NOTICE]]
    assert choice_ids(outcome) == [["agree", "decline"]]
    assert outcome.state == state
    assert outcome.effects == ()


@pytest.mark.parametrize("choice_id", ["about", "yes", "", "Agree"])
def test_privacy_button_not_offered_is_rejected(choice_id: str) -> None:
    outcome = ENGINE.handle(PRIVACY, inbound("setuju", kind=InboundKind.CHOICE, choice_id=choice_id), context())
    assert keys(outcome) == [["engine.pick_a_number", *NOTICE]]
    assert outcome.state == PRIVACY
    assert outcome.effects == ()


def test_consented_contact_sees_keep_or_withdraw() -> None:
    registered = context(consented=True)  # agreed to the registration notice only: nothing to choose between
    registered = replace(registered, contact=replace(registered.contact, consents=frozenset({CONSENT_PURPOSE})))
    outcome = ENGINE.handle(MENU, inbound("privasi"), registered)
    assert keys(outcome) == [["privacy.notice", "privacy.notice_sponsors", "privacy.already_agreed"]]
    reply = outcome.replies[0]
    assert [(c.id, c.label.key) for c in reply.choices] == [("agree", "privacy.keep"), ("decline", "privacy.withdraw")]
    assert reply.parts[2].params["date"] == CONSENTED_AT.date()
    assert outcome.state == PRIVACY


@pytest.mark.parametrize("text", ["1", "tetap setuju", "Keep my consent", "ya"])
def test_consented_contact_keeps_consent_without_recording_again(text: str) -> None:
    outcome = ENGINE.handle(PRIVACY, inbound(text), context(consented=True))
    assert keys(outcome) == [["privacy.kept", "engine.type_menu"]]
    assert outcome.effects == ()
    assert outcome.state == IDLE


@pytest.mark.parametrize("text", ["2", "tarik", "cabut", "Tarik persetujuan", "tidak"])
def test_consented_contact_withdraws(text: str) -> None:
    outcome = ENGINE.handle(PRIVACY, inbound(text), context(consented=True))
    assert keys(outcome) == [["privacy.withdrawn", "engine.type_menu"]]
    assert outcome.effects == CONSENT_REFUSED
    assert outcome.state == IDLE


# ---- consent before a flow that needs personal data ---------------------------------------------


def test_consent_gated_flow_shows_the_notice_first() -> None:
    outcome = GATED.handle(MENU, inbound("5"), context())
    assert keys(outcome) == [NOTICE]
    assert outcome.state == SessionState("privacy", 1, "notice", {"then": "secret", "purpose": "personal_data"})
    assert outcome.effects == ()


def test_consent_gated_flow_continues_after_agreeing() -> None:
    waiting = SessionState("privacy", 1, "notice", {"then": "secret"})
    outcome = GATED.handle(waiting, inbound("Setuju"), context())
    assert keys(outcome) == [["privacy.thanks"], ["language.question"]]
    assert choice_ids(outcome) == [[], ["yes"]]
    assert outcome.effects == CONSENT_GIVEN
    assert outcome.state == SECRET_ASK


def test_consent_gated_flow_does_not_start_after_declining() -> None:
    waiting = SessionState("privacy", 1, "notice", {"then": "secret"})
    outcome = GATED.handle(waiting, inbound("tidak"), context())
    assert keys(outcome) == [["privacy.declined", "engine.type_menu"]]
    assert outcome.effects == CONSENT_REFUSED
    assert outcome.state == IDLE


def test_consent_gated_flow_starts_at_once_for_a_consented_contact() -> None:
    outcome = GATED.handle(MENU, inbound(kind=InboundKind.CHOICE, choice_id="secret"), context(consented=True))
    assert keys(outcome) == [["language.question"]]
    assert outcome.state == SECRET_ASK
    assert outcome.effects == ()


def test_consent_gated_flow_finishes() -> None:
    outcome = GATED.handle(SECRET_ASK, inbound("1"), context(consented=True))
    assert keys(outcome) == [["about.title", "engine.type_menu"]]
    assert outcome.state == IDLE


def test_restarting_a_consent_gated_flow_asks_for_consent_again() -> None:
    stale = SessionState("secret", 2, "ask")
    outcome = GATED.handle(stale, inbound("1"), context())
    assert keys(outcome) == [["engine.flow_restarted"], NOTICE]
    assert outcome.state == SessionState("privacy", 1, "notice", {"then": "secret", "purpose": "personal_data"})


@pytest.mark.parametrize("then", ["removed_in_a_deploy", 42])
def test_consent_naming_a_flow_that_no_longer_exists_still_finishes(then: str | int) -> None:
    waiting = SessionState("privacy", 1, "notice", {"then": then})
    outcome = GATED.handle(waiting, inbound("setuju"), context())
    assert keys(outcome) == [["privacy.thanks", "engine.type_menu"]]
    assert outcome.effects == CONSENT_GIVEN
    assert outcome.state == IDLE


# ---- language ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "text", "chosen"),
    [
        ("id", "2", "en"),
        ("id", "english", "en"),
        ("id", "inggris", "en"),
        ("en", "1", "id"),
        ("en", "Bahasa Indonesia", "id"),
        ("en", "indo", "id"),
        ("id", "1", "id"),
    ],
)
def test_language_flow_sets_the_language(start: str, text: str, chosen: str) -> None:
    outcome = ENGINE.handle(LANGUAGE, inbound(text), context(start))
    assert keys(outcome) == [["engine.language_switched", "engine.type_menu"]]
    assert outcome.effects == (SetLanguage(chosen),)
    assert outcome.language == chosen
    assert outcome.state == IDLE


def test_language_button() -> None:
    outcome = ENGINE.handle(LANGUAGE, inbound(kind=InboundKind.CHOICE, choice_id="en"), context())
    assert outcome.effects == (SetLanguage("en"),)
    assert outcome.language == "en"


@pytest.mark.parametrize("text", ["3", "jawa", "sunda", ""])
def test_language_wrong_answer_asks_again(text: str) -> None:
    outcome = ENGINE.handle(LANGUAGE, inbound(text), context())
    assert keys(outcome) == [["engine.pick_a_number", "language.question"]]
    assert choice_ids(outcome) == [["id", "en"]]
    assert outcome.state == LANGUAGE
    assert outcome.effects == ()
    assert outcome.language == "id"


# ---- global words, in every resting state ------------------------------------------------------

resting_states = pytest.mark.parametrize("where", list(RESTING))


@resting_states
@pytest.mark.parametrize("text", ["menu", "MENU", "/menu", "Menu utama", "menu!"])
def test_menu_word_shows_the_menu(where: str, text: str) -> None:
    outcome = ENGINE.handle(RESTING[where], inbound(text), context())
    assert keys(outcome) == [["engine.menu"]]
    assert choice_ids(outcome) == [MENU_IDS]
    assert outcome.state == MENU
    assert outcome.effects == ()


@resting_states
@pytest.mark.parametrize("text", ["/start", "start", "/START"])
def test_telegram_start_greets_and_shows_the_menu_from_anywhere(where: str, text: str) -> None:
    outcome = ENGINE.handle(RESTING[where], inbound(text), context())
    assert keys(outcome) == [["engine.greeting", "engine.menu"]]
    assert choice_ids(outcome) == [MENU_IDS]
    assert outcome.state == MENU


@resting_states
@pytest.mark.parametrize("text", ["batal", "Batal!", "/batal", "cancel", "gak jadi"])
def test_cancel_word_leaves_the_flow(where: str, text: str) -> None:
    outcome = ENGINE.handle(RESTING[where], inbound(text), context())
    said = "engine.cancelled" if where in IN_A_FLOW else "engine.nothing_to_cancel"
    assert keys(outcome) == [[said], ["engine.menu"]]
    assert outcome.state == MENU
    assert outcome.effects == ()


@resting_states
@pytest.mark.parametrize("text", ["bantuan", "BANTUAN", "/bantuan", "help", "tolong"])
def test_help_word_helps_then_asks_again(where: str, text: str) -> None:
    state = RESTING[where]
    outcome = ENGINE.handle(state, inbound(text), context())
    assert keys(outcome) == [["engine.help"], *ASKED_AGAIN[where]]
    assert choice_ids(outcome) == [[], *CHOICES_AGAIN[where]]
    assert outcome.state == state
    assert outcome.effects == ()


@resting_states
@pytest.mark.parametrize(("start", "other"), [("id", "en"), ("en", "id")])
@pytest.mark.parametrize("text", ["bahasa", "/bahasa", "Bahasa", "ganti bahasa", "language"])
def test_language_word_toggles_the_language(where: str, start: str, other: str, text: str) -> None:
    state = RESTING[where]
    outcome = ENGINE.handle(state, inbound(text), context(start))
    assert keys(outcome) == [["engine.language_switched"], *ASKED_AGAIN[where]]
    assert outcome.effects == (SetLanguage(other),)
    assert outcome.language == other
    assert outcome.state == state


@resting_states
@pytest.mark.parametrize("text", ["berhenti", "BERHENTI", "/berhenti", "stop", "Stop."])
def test_stop_word_stops_announcements(where: str, text: str) -> None:
    state = RESTING[where]
    outcome = ENGINE.handle(state, inbound(text), context())
    assert keys(outcome) == [["engine.announcements_stopped"], *ASKED_AGAIN[where]]
    assert outcome.effects == (SetOptOut(True),)
    assert outcome.state == state


@resting_states
@pytest.mark.parametrize("text", ["mulai", "MULAI", "/mulai", "resume", "mulai lagi"])
def test_resume_word_resumes_announcements(where: str, text: str) -> None:
    state = RESTING[where]
    outcome = ENGINE.handle(state, inbound(text), context())
    assert keys(outcome) == [["engine.announcements_resumed"], *ASKED_AGAIN[where]]
    assert outcome.effects == (SetOptOut(False),)
    assert outcome.state == state


def test_language_word_inside_the_language_flow_asks_in_the_new_language() -> None:
    outcome = ENGINE.handle(LANGUAGE, inbound("bahasa"), context("en"))
    assert outcome.language == "id"
    assert render_reply(outcome.replies[1], outcome.language) == ("Pilih bahasa:", ["Bahasa Indonesia", "English"])


# ---- what the engine cannot read, and sessions a deploy made stale ------------------------------


@resting_states
def test_unsupported_message_is_explained_and_the_question_asked_again(where: str) -> None:
    state = RESTING[where]
    outcome = ENGINE.handle(state, inbound("setuju", kind=InboundKind.UNSUPPORTED), context())
    asked_again = ASKED_AGAIN[where] or [["engine.menu"]]  # at idle, the menu is what there is to answer
    assert keys(outcome) == [["engine.unsupported"], *asked_again]
    assert outcome.state == (state if where != "idle" else MENU)
    assert outcome.effects == ()  # a photo's caption "setuju" is not consent


def test_shared_contact_is_no_answer_to_a_choice() -> None:
    outcome = ENGINE.handle(PRIVACY, inbound(kind=InboundKind.CONTACT, phone="+6281234567890"), context())
    assert keys(outcome) == [["engine.pick_a_number", *NOTICE]]
    assert outcome.state == PRIVACY


@pytest.mark.parametrize(
    "stale",
    [
        SessionState("privacy", 0, "notice", {"then": "about"}),
        SessionState("privacy", 2, "notice"),
        SessionState("privacy", 1, "gone"),
        SessionState("privacy", 1, None),
    ],
    ids=["older-version", "newer-version", "unknown-step", "no-step"],
)
def test_stale_session_restarts_its_flow_politely(stale: SessionState) -> None:
    outcome = ENGINE.handle(stale, inbound("2"), context())
    assert keys(outcome) == [["engine.flow_restarted"], NOTICE]
    assert outcome.state == PRIVACY  # fresh: the old data is dropped
    assert outcome.effects == ()  # the answer was to a question that no longer exists


def test_session_in_a_removed_flow_restarts_at_the_menu() -> None:
    outcome = ENGINE.handle(SessionState("removed_flow", 7, "nik", {"nik": "x"}), inbound("1"), context())
    assert keys(outcome) == [["engine.flow_restarted"], ["engine.menu"]]
    assert outcome.state == MENU
    assert outcome.effects == ()


# ---- the language the replies are rendered in ---------------------------------------------------


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("where", list(RESTING))
def test_outcome_keeps_the_contact_language_when_nothing_switches_it(where: str, language: str) -> None:
    outcome = ENGINE.handle(RESTING[where], inbound("halo"), context(language))
    assert outcome.language == language
    assert not any(isinstance(effect, SetLanguage) for effect in outcome.effects)


# ---- a question a letter asked (Contact.awaiting) ---------------------------------------------------


def _asked_start(_: Context, data: Data) -> Transition:
    heard = {"reply": str(data.get("reply")), "button": str(data.get("button"))}
    return Finish(say=(Reply.of(msg("about.title")),), effects=(Audit("asked", heard),))


ASKED = Flow(id="asked", version=1, title=msg("privacy.keep"), start=_asked_start, steps={})
AWAITING = Engine((*ALL_FLOWS, ASKED), BASIC_MENU)


def _awaiting(flow_id: str = "asked", *, newer: bool = False) -> Context:
    ctx = context()
    return replace(ctx, contact=replace(ctx.contact, awaiting=flow_id, letter_is_newer=newer))


@pytest.mark.parametrize(
    ("state", "text"),
    [
        *((IDLE, text) for text in ("ya masih", "1", "halo", "sdh pindah ke batang")),
        *((MENU, text) for text in ("ya masih", "halo", "sdh pindah ke batang")),
    ],
)
def test_a_message_outside_a_flow_goes_to_the_flow_whose_question_a_letter_asked(
    state: SessionState, text: str
) -> None:
    outcome = AWAITING.handle(state, inbound(text), _awaiting())
    assert outcome.effects == (Audit("asked", {"reply": text, "button": ""}),)
    assert keys(outcome) == [["about.title", "engine.type_menu"]]


def test_a_tapped_button_of_the_letter_reaches_the_awaiting_flow_with_its_id() -> None:
    outcome = AWAITING.handle(MENU, inbound(kind=InboundKind.CHOICE, choice_id="moved"), _awaiting())
    assert outcome.effects == (Audit("asked", {"reply": "", "button": "moved"}),)


@pytest.mark.parametrize(("text", "first_key"), [("privasi", "privacy.notice"), ("menu", "engine.menu")])
def test_a_flow_named_or_a_word_for_everywhere_still_comes_first(text: str, first_key: str) -> None:
    outcome = AWAITING.handle(IDLE, inbound(text), _awaiting())
    assert keys(outcome)[0][0] == first_key
    assert not any(isinstance(effect, Audit) and effect.action == "asked" for effect in outcome.effects)


def test_with_the_menu_on_screen_a_menu_number_opens_the_menu_entry() -> None:
    outcome = AWAITING.handle(MENU, inbound("2"), _awaiting())
    assert keys(outcome) == [NOTICE]  # menu item 2 is the privacy notice


def test_inside_a_flow_the_letters_question_waits() -> None:
    outcome = AWAITING.handle(PRIVACY, inbound("setuju"), _awaiting())
    assert outcome.effects == CONSENT_GIVEN


def test_a_flow_awaited_that_no_longer_exists_is_ignored() -> None:
    outcome = AWAITING.handle(IDLE, inbound("qwerty"), _awaiting("gone_since_the_deploy"))
    assert keys(outcome) == NOT_UNDERSTOOD_MENU


def test_a_letter_newer_than_the_menu_on_screen_takes_even_a_menu_number() -> None:
    """The menu was shown weeks ago, then the letter came: "2" answers the letter (on WhatsApp outside the
    24 hours the letter's choices are numbered text)."""
    outcome = AWAITING.handle(MENU, inbound("2"), _awaiting(newer=True))
    assert outcome.effects == (Audit("asked", {"reply": "2", "button": ""}),)


def test_a_letter_newer_than_a_form_left_halfway_takes_the_message() -> None:
    outcome = AWAITING.handle(PRIVACY, inbound("setuju"), _awaiting(newer=True))
    assert outcome.effects == (Audit("asked", {"reply": "setuju", "button": ""}),)


def test_a_flow_named_still_wins_over_a_newer_letter_in_a_form() -> None:
    outcome = AWAITING.handle(PRIVACY, inbound("info"), _awaiting(newer=True))
    assert not any(isinstance(effect, Audit) and effect.action == "asked" for effect in outcome.effects)
    assert outcome.state.flow != "asked"
    assert keys(outcome)[0][0].startswith("about.")


def test_a_newer_letter_waits_while_a_form_that_cannot_be_kept_holds_answers() -> None:
    """The privacy notice in front of registration is not kept when left: "setuju" still answers it, and
    the letter's question waits for the form's end."""
    notice = SessionState("privacy", 1, "notice", {"then": "registration", "purpose": CONSENT_PURPOSE})
    outcome = AWAITING.handle(notice, inbound("setuju"), _awaiting(newer=True))
    assert outcome.effects[: len(CONSENT_GIVEN)] == CONSENT_GIVEN
    assert not any(isinstance(effect, Audit) and effect.action == "asked" for effect in outcome.effects)
