"""The worker's answer to the renewal round's question ("Masih tinggal di Kota Pekalongan dan masih
bekerja sebagai tukang becak?"), asked by a letter when the Dinas opened the round (bot/desks/renewal.py).

The letter leaves `Contact.awaiting = "renewal"`: the person's next message outside a flow comes here
with their words (or the button they tapped) as data["reply"] / data["button"]. "perpanjang" and
"perpanjangan" open it too. The store answers for the asker's own registration in the open round only.

- "Ya, masih": continues. "Sudah pindah" / "Tidak bekerja lagi": the kelurahan's verifier checks (the
  worker stays a participant until they decide). "Ingin keluar dari program": confirmed once, then it ends on
  31 December. A bare "tidak" does not say which "no": the question is asked again. "Sudah meninggal"
  (the family writing): condolences, nothing recorded, the way to the heirs' claim and the Dinas.
- An unclear reply: the question again, with what to type. Answered already: what was recorded, and
  whom to ask to change it."""

from __future__ import annotations

from dataclasses import dataclass

from conversations.choices import LabelledChoice, read_choice
from conversations.engine import LANGUAGES, MENU_FLOW
from conversations.flow import Answer, Context, Data, Fetch, Finish, Flow, Goto, Invalid, Step, Transition
from conversations.flow_data import FlowData
from conversations.messages import Choice, Msg, Reply, msg
from conversations.programme import Programme
from conversations.renewal_rules import Answer as RenewalAnswer
from conversations.renewal_rules import (
    first_day,
    job_words,
    last_covered_day,
    reason_words,
)
from conversations.replies import Polarity, Said, polarity_of
from conversations.requests.renewal import (
    AnswerRenewal,
    NothingToRenew,
    RenewalAsked,
    RenewalQuestion,
    RenewalRecord,
    RenewalRecorded,
)
from conversations.text import normalise

__all__ = ["ANSWER_LABELS", "QUESTION_CHOICES", "RenewalData", "renewal_flow", "renewal_question"]

# Button ids of their own: a tap on an old "Ya" of another question never answers the renewal.
_ANSWER_OF_CHOICE: dict[str, RenewalAnswer] = {
    "renewal_yes": "yes",
    "renewal_moved": "moved",
    "renewal_not_working": "not_working",
    "renewal_leave": "leave",
}
QUESTION_CHOICES = (
    Choice("renewal_yes", msg("renewal.choice_yes"), ("ya", "iya", "y", "masih", "ya masih", "iya masih", "nggih")),
    Choice("renewal_moved", msg("renewal.choice_moved"), ("pindah", "sudah pindah rumah", "pindah rumah")),
    Choice(
        "renewal_not_working",
        msg("renewal.choice_not_working"),
        ("tidak bekerja", "sudah tidak bekerja", "tidak kerja lagi", "sudah tidak kerja", "ganti pekerjaan"),
    ),
    # Never "berhenti"/"stop" alone: those are the global stop word (no more announcements).
    Choice(
        "renewal_leave",
        msg("renewal.choice_leave"),
        ("ingin keluar", "mau keluar", "keluar dari program", "ingin berhenti", "mau berhenti", "berhenti ikut"),
    ),
)
ANSWER_LABELS: dict[str, str] = {
    "yes": "renewal.choice_yes",
    "moved": "renewal.choice_moved",
    "not_working": "renewal.choice_not_working",
    "leave": "renewal.choice_leave",
}
_LEAVE_CHOICES = (
    Choice("leave_confirmed", msg("renewal.leave_yes"), ("ya", "iya", "y", "ya keluar", "ya berhenti", "keluar saja")),
    Choice("leave_not", msg("renewal.leave_no"), ("tidak", "tidak jadi", "batal berhenti", "gak jadi", "n")),
)
_THANKS = {
    "yes": "renewal.thanks_yes",
    "moved": "renewal.thanks_check",
    "not_working": "renewal.thanks_check",
    "leave": "renewal.thanks_leave",
}
_RECORDED = {
    "continues": "renewal.recorded_continues",
    "check": "renewal.recorded_check",
    "ends": "renewal.recorded_ends",
}


@dataclass(frozen=True, slots=True)
class RenewalData(FlowData):
    reply: str = ""  # the words that came after the letter (the engine's awaiting route)
    button: str = ""  # or the button tapped
    registration_id: int = 0
    year: int = 0
    full_name: str = ""
    job_type: str = ""
    job_text: str | None = None


def renewal_question(programme: Programme, place: str, year: int, name: str, job: str | Msg) -> Msg:
    """The question, the same in the letter, the reminder and when it is asked again."""
    return msg("renewal.question", programme=programme.name, year=year, name=name, place=place, job=job)


def _place(ctx: Context) -> str:
    return ctx.region.name if ctx.region else ctx.programme.pemda


def _year(ctx: Context, asked: RenewalData) -> int:
    """The year asked about; next year when the saved data lost it (the store checks the answer anyway)."""
    return asked.year or ctx.today.year + 1


def _start(_: Context, __: Data) -> Transition:
    return Fetch(RenewalQuestion(), then=_on_question)


def _on_question(ctx: Context, data: Data, found: RenewalAsked | RenewalRecord | NothingToRenew) -> Transition:
    given = RenewalData.load(data)
    came_as_reply = bool(given.reply or given.button)
    if isinstance(found, NothingToRenew):
        if came_as_reply:  # a letter's question that no longer waits: the message is an ordinary one
            return Finish(then=MENU_FLOW)
        return Finish(say=(Reply.of(msg("renewal.nothing_open")),))
    if isinstance(found, RenewalRecord):
        return Finish(say=(_recorded(ctx, found),))
    asked = RenewalData(
        registration_id=found.registration_id,
        year=found.year,
        full_name=found.full_name,
        job_type=found.job_type,
        job_text=found.job_text,
    )
    if not came_as_reply:
        return Goto("answer", data=asked.dump())
    if not given.button and _says_died(given.reply):
        return Finish(say=(_condolence(ctx),))
    picked = _read_reply(ctx, given.reply, given.button or None)
    if picked is None:
        problem = "renewal.which_no" if not given.button and _bare_no(given.reply) else "renewal.unclear"
        return Goto("answer", data=asked.dump(), say=(Reply.of(msg(problem)),))
    return _answered(asked, picked)


def _read_reply(ctx: Context, text: str, button: str | None) -> RenewalAnswer | None:
    """The answer in the reply to the letter, read by the engine's own reader as the step would read it
    (a bare "tidak" is none)."""
    if button is None and _bare_no(text):
        return None
    labelled = [
        LabelledChoice(c.id, (*(ctx.renderer.render(c.label, lang) for lang in LANGUAGES), *c.aliases))
        for c in QUESTION_CHOICES
    ]
    picked = read_choice(text, button, labelled).choice
    return _ANSWER_OF_CHOICE.get(picked or "")


def _bare_no(text: str) -> bool:
    """ "tidak", "nggak", "bukan": a no that does not say whether they moved, stopped working or want out."""
    return polarity_of(Said.of(text), strict=True) is Polarity.NO and normalise(text) not in _NO_WORDS_NAMING


_DEATH_WORDS = frozenset({"meninggal", "wafat", "almarhum", "almarhumah", "alm", "died", "deceased"})


def _says_died(text: str) -> bool:
    """ "sudah meninggal", "bapak sudah meninggal dunia", "almarhum": the worker died (their family writes)."""
    words = [word.strip(".,!?;:()") for word in normalise(text).split()]
    return any(word in _DEATH_WORDS for word in words) or "sudah tiada" in " ".join(words)


def _condolence(ctx: Context) -> Reply:
    """Nothing recorded: a death is recorded from a paid heirs' claim; the family is pointed to it."""
    return Reply.of(msg("renewal.deceased_reply", dinas=ctx.programme.dinas_name))


# A no that names its choice all the same ("tidak bekerja" is not bare).
_NO_WORDS_NAMING = frozenset({"tidak bekerja", "tidak kerja", "tidak kerja lagi", "tidak bekerja lagi"})


def _ask_answer(ctx: Context, data: Data) -> Reply:
    asked = RenewalData.load(data)
    job = job_words(ctx.programme, asked.job_type, asked.job_text)
    question = renewal_question(ctx.programme, _place(ctx), _year(ctx, asked), asked.full_name or "-", job)
    return Reply.of(question, choices=QUESTION_CHOICES)


def _on_answer(ctx: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice is None and _says_died(answer.text):
        return Finish(say=(_condolence(ctx),))
    picked = _ANSWER_OF_CHOICE.get(answer.choice or "")
    if picked is None or (picked != "yes" and _bare_no(answer.text)):
        return Invalid(msg("renewal.which_no"))
    return _answered(RenewalData.load(data), picked)


def _answered(asked: RenewalData, picked: RenewalAnswer) -> Transition:
    if picked == "leave":
        return Goto("confirm_leave", data=asked.dump())
    return Fetch(AnswerRenewal(asked.registration_id, picked), then=_on_recorded, data=asked.dump())


def _ask_leave(ctx: Context, data: Data) -> Reply:
    year = _year(ctx, RenewalData.load(data))
    said = msg("renewal.confirm_leave", programme=ctx.programme.name, year=year, last_day=last_covered_day(year))
    return Reply.of(said, choices=_LEAVE_CHOICES)


def _on_leave(_: Context, data: Data, answer: Answer) -> Transition:
    asked = RenewalData.load(data)
    if answer.choice == "leave_confirmed":
        return Fetch(AnswerRenewal(asked.registration_id, "leave"), then=_on_recorded)
    return Goto("answer")


def _on_recorded(ctx: Context, data: Data, result: RenewalRecorded | RenewalRecord | NothingToRenew) -> Transition:
    if isinstance(result, NothingToRenew):
        return Finish(say=(Reply.of(msg("renewal.nothing_open")),))
    if isinstance(result, RenewalRecord):  # answered meanwhile (a second tap, another window)
        return Finish(say=(_recorded(ctx, result),))
    asked = RenewalData.load(data)
    said = msg(
        _THANKS[result.answer],
        name=asked.full_name,
        programme=ctx.programme.name,
        year=result.year,
        last_day=last_covered_day(result.year),
        first_day=first_day(result.year),
        dinas=ctx.programme.dinas_name,
    )
    return Finish(say=(Reply.of(said),))


def _recorded(ctx: Context, record: RenewalRecord) -> Reply:
    """What is recorded, and whom to ask to change it."""
    parts: list[Msg] = []
    if record.answer in ANSWER_LABELS and record.answered_on is not None:
        answer = msg(ANSWER_LABELS[record.answer])
        parts.append(msg("renewal.recorded_answer", year=record.year, answer=answer, day=record.answered_on))
    decision = msg(
        _RECORDED.get(record.decision, "renewal.recorded_continues"),
        year=record.year,
        reason=reason_words(record.reason or ""),
        last_day=last_covered_day(record.year),
    )
    parts += [decision, msg("renewal.how_to_change", dinas=ctx.programme.dinas_name)]
    return Reply(tuple(parts))


renewal_flow = Flow(
    id="renewal",
    version=1,
    title=msg("renewal.title"),
    start=_start,
    steps={
        "answer": Step(ask=_ask_answer, on_answer=_on_answer),
        "confirm_leave": Step(ask=_ask_leave, on_answer=_on_leave),
    },
    aliases=("perpanjang", "perpanjangan", "perpanjangan peserta", "renewal"),
    data=RenewalData,
)
