"""The engine: (flows, state, inbound message, context) → (new state, replies, effects). No I/O.

It handles what every conversation shares: the global words, the main menu, asking again after a
wrong answer, consent before personal data, and restarting politely after a deploy changed a flow.
What a flow says and checks is in the flow's own module."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from conversations.choices import LabelledChoice, Reading, looks_like_a_number, match_choice, read_choice
from conversations.consent import PERSONAL_DATA
from conversations.effects import (
    Effect,
    RecordConsent,
    RecordQuestionOutcome,
    RecordUnansweredQuestion,
    SetLanguage,
    SetOptOut,
)
from conversations.flow import (
    QUESTION_LIMIT,
    Answer,
    ContactInfo,
    Context,
    Data,
    Fetch,
    Flow,
    Goto,
    Invalid,
    RoleNeed,
    Step,
    TextLimit,
    Transition,
)
from conversations.flow_data import StaleFlowData
from conversations.global_words import GlobalWord, is_back, is_greeting, recognise, starts_with_greeting
from conversations.inbound import Inbound, InboundKind
from conversations.messages import Choice, Msg, Reply, msg
from conversations.nik import mask_niks
from conversations.numbers import count_text
from conversations.questions.desk import QuestionDesk, looks_like_a_question
from conversations.requests.base import NotAllowed, RoleRefused
from conversations.requests.broadcasts import BroadcastNotAllowed
from conversations.requests.figures import OnlyForAdmins
from conversations.state import IDLE, Json, SessionState
from conversations.text import clean_text, fold_lines, normalise

__all__ = ["CONSENT_FLOW", "LANGUAGES", "MENU_FLOW", "Engine", "Outcome"]

MENU_FLOW = "menu"
CONSENT_FLOW = "privacy"
LANGUAGES = ("id", "en")
_MENU_STEP = "choose"
# A flow that hands over to another this many times in one message is a bug, not a conversation.
_MAX_HANDOVERS = 8
_PASSING = "passing"  # where a question typed in the middle of another conversation is counted
# "kode AB12CD": a command's argument is a code or a word, never a paragraph.
_MAX_ARGUMENT_CHARS = 64
# The store's ways of saying no: after one of them, a role gone since is what the person is told.
_REFUSALS = (RoleRefused, NotAllowed, OnlyForAdmins, BroadcastNotAllowed)
# WhatsApp shows up to ten choices as a list, more as numbered lines. When more than ten entries apply
# (an admin's menu; a programme with sponsors adds "Jadi donatur"), these leave the menu first, help before
# the language switch an English speaker looks for: their words ("bantuan", "bahasa") work everywhere.
_MENU_MOST = 10
_SAID_ANYWHERE = ("help", "language")


@dataclass(frozen=True, slots=True)
class Outcome:
    state: SessionState
    replies: tuple[Reply, ...]
    effects: tuple[Effect, ...] = ()
    language: str = "id"  # the language to render the replies in (after any switch)
    fetch: Fetch[Any] | None = None  # answer its request, then call Engine.resume with the answer


@dataclass(slots=True)
class _Turn:
    """What one inbound message has produced so far."""

    ctx: Context
    paused: dict[str, Mapping[str, Json]]
    replies: list[Reply] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    fetch: Fetch[Any] | None = None

    def say(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def apply(self, effects: Sequence[Effect]) -> None:
        """Record effects, and let those that change the context count for the rest of the turn."""
        for effect in effects:
            self.effects.append(effect)
            if isinstance(effect, SetLanguage):
                self.ctx = replace(self.ctx, language=effect.language)
            elif isinstance(effect, RecordConsent):
                self.ctx = replace(self.ctx, contact=_with_consent(self.ctx.contact, effect))
            elif isinstance(effect, SetOptOut):
                self.ctx = replace(self.ctx, contact=replace(self.ctx.contact, opted_out=effect.opted_out))

    def outcome(self, state: SessionState) -> Outcome:
        final = replace(state, paused=dict(self.paused))
        return Outcome(final, tuple(self.replies), tuple(self.effects), self.ctx.language, self.fetch)


class Engine:
    def __init__(
        self,
        flows: Sequence[Flow],
        menu: Sequence[str],
        *,
        questions: QuestionDesk | None = None,
        question_flow: str | None = None,
    ) -> None:
        """`questions` lets free text be a benefit question: outside a flow it goes to `question_flow`;
        inside one, a clear question is answered and the step's question asked again."""
        self.flows: Mapping[str, Flow] = {f.id: f for f in flows}
        wanted = (*menu, CONSENT_FLOW, *((question_flow,) if question_flow else ()))
        missing = [flow_id for flow_id in wanted if flow_id not in self.flows]
        if missing:
            raise ValueError(f"flows not defined: {', '.join(missing)}")
        self.menu = tuple(menu)
        self.questions = questions
        self.question_flow = question_flow

    # ---- entry point -------------------------------------------------------------------------

    def handle(self, state: SessionState, inbound: Inbound, ctx: Context) -> Outcome:
        try:
            lost = self._role_lost(state, ctx)
            if lost is not None:  # revoked since the last message: this message continues nothing
                turn = _Turn(ctx, dict(state.paused))
                word = recognise(clean_text(inbound.text)) if inbound.kind is InboundKind.TEXT else None
                return turn.outcome(self._end_for_lost_role(state, lost, word, turn))
            return self._handle(state, inbound, ctx)
        except StaleFlowData:  # saved data a step could not read: start that flow again
            return self._restart(state, _Turn(ctx, dict(state.paused)))

    def _handle(self, state: SessionState, inbound: Inbound, ctx: Context) -> Outcome:
        turn = _Turn(ctx, dict(state.paused))
        text = clean_text(inbound.text)  # the one door: no step ever sees the text as it came
        word = recognise(text) if inbound.kind is InboundKind.TEXT else None
        if word is not None:
            return turn.outcome(self._global_word(word, state, turn, greeted=is_greeting(text)))
        command = self._command(text, ctx) if inbound.kind is InboundKind.TEXT else None
        if command is not None:
            commanded, argument = command
            self._pause(state, turn)
            return turn.outcome(self._start(commanded, {"argument": argument}, turn))

        if inbound.kind is InboundKind.UNSUPPORTED:
            turn.say(Reply.of(msg("engine.unsupported")))
            return turn.outcome(self._ask_again(state, turn))
        elsewhere = self._not_at_a_step(state, text, inbound, turn)
        if elsewhere is not None:
            return turn.outcome(elsewhere)
        flow = self.flows.get(state.flow or "")
        step = flow.steps.get(state.step or "") if flow else None
        if flow is None or not isinstance(step, Step) or flow.version != state.flow_version:
            return self._restart(state, turn)
        if not flow.fits(state.data):
            return self._restart(state, turn)
        if inbound.kind is InboundKind.TEXT and is_back(text) and not self._offers(step, state.data, text, turn):
            return turn.outcome(self._go_back(flow, step, state, turn))
        answer = self._answer(step, state.data, text, inbound, turn)
        if answer is not None and answer.choice is None and len(answer.text) > step.limit.most:
            turn.say(self._reask(step, state.data, turn, _too_long(step.limit, answer.text, turn.ctx)))
            return turn.outcome(state)
        if (answer is None or answer.choice is None) and self._answered_in_passing(
            flow, step, state, text, turn, taken_as_text=answer is not None
        ):
            return turn.outcome(state)
        if answer is None or (answer.choice is None and step.free_text):
            other = self._named_flow(text, turn)
            # "cek status" typed in the middle of a question: go there (a free-text answer naming the
            # flow it is already in stays an answer)
            if other is not None and (answer is None or other.id != flow.id):
                self._pause(state, turn)
                return turn.outcome(self._start(other, {}, turn))
        if answer is None:
            turn.say(self._reask(step, state.data, turn, msg("engine.pick_a_number")))
            return turn.outcome(state)
        transition = step.on_answer(turn.ctx, state.data, answer)
        return turn.outcome(self._follow(flow, state, transition, turn))

    def _restart(self, state: SessionState, turn: _Turn) -> Outcome:
        """A deploy changed the flow (or its data) under this conversation: say so, and start it again."""
        turn.say(Reply.of(msg("engine.flow_restarted")))
        turn.paused.pop(state.flow or "", None)  # kept data of an old version may not fit the new one
        flow = self.flows.get(state.flow or "")
        if flow is None:
            return turn.outcome(self._show_menu(turn))
        return turn.outcome(self._start(flow, {}, turn))

    def _answered_in_passing(
        self, flow: Flow, step: Step, state: SessionState, text: str, turn: _Turn, *, taken_as_text: bool
    ) -> bool:
        """ "brp iuran nya?" typed in the middle of a form: answer it, then ask the form's question again.
        At a step that would take the text as its answer (a name, a street, a reason), a clear question
        the bot cannot answer outright is not taken either: it is kept for the admins, and the form's
        question is asked again with where to ask it. (At a choice step it is simply not a choice.)"""
        if self.questions is None or flow.id == self.question_flow or step.multiline:
            return False  # an announcement may well be worded as a question
        passing = self.questions.answer_in_passing(text, turn.ctx)
        if passing is not None:
            turn.apply((RecordQuestionOutcome("answered", passing.topic, _PASSING),))
            turn.say(Reply(passing.parts))
            turn.say(self._reask(step, state.data, turn, msg("engine.back_to_question")))
            return True
        if not taken_as_text or not self.questions.is_clearly_a_question(text):
            return False
        question = mask_niks(fold_lines(text))[: QUESTION_LIMIT.most]
        turn.apply((RecordQuestionOutcome("not_known", None, _PASSING), RecordUnansweredQuestion(question, _PASSING)))
        turn.say(
            self._reask(
                step, state.data, turn, msg("engine.question_not_an_answer", call_centre=turn.ctx.programme.call_centre)
            )
        )
        return True

    def resume(self, outcome: Outcome, answer: object, ctx: Context) -> Outcome:
        """Go on after the pipeline answered the request of `outcome.fetch`."""
        state, fetch = outcome.state, outcome.fetch
        flow = self.flows.get(state.flow or "")
        if flow is None or fetch is None:
            raise ValueError(f"nothing waits for an answer in {state.flow}")
        turn = _Turn(ctx, dict(state.paused))
        try:
            lost = flow.role_lost(ctx.contact, state.data) if isinstance(answer, _REFUSALS) else None
            if lost is not None:  # the store refused because the role is gone: say so, the flow's way ends
                return turn.outcome(self._end_for_lost_role(state, lost, None, turn))
            transition = fetch.then(turn.ctx, state.data, answer)
            if isinstance(transition, Invalid):  # the store refused what the flow asked: say why, offer the menu
                return turn.outcome(self._show_menu(turn, transition.problem))
            return turn.outcome(self._follow(flow, state, transition, turn))
        except StaleFlowData:
            return self._restart(state, _Turn(ctx, dict(state.paused)))

    # ---- roles revoked while a flow was under way ----------------------------------------------

    def _role_lost(self, state: SessionState, ctx: Context) -> RoleNeed | None:
        """The role the flow under way needs and the person no longer holds (roles are read again for
        every message), or None."""
        flow = self.flows.get(state.flow or "")
        if flow is None or flow.version != state.flow_version or not flow.fits(state.data):
            return None  # restarted anyway
        return flow.role_lost(ctx.contact, state.data)

    def _end_for_lost_role(
        self, state: SessionState, lost: RoleNeed, word: GlobalWord | None, turn: _Turn
    ) -> SessionState:
        """End the flow with a short notice; nothing it had under way is kept, and nothing is done."""
        turn.paused.pop(state.flow or "", None)
        notice = msg("navigation.role_revoked", role=lost.name)
        if word in (GlobalWord.MENU, GlobalWord.CANCEL):
            return self._show_menu(turn, notice)
        turn.say(Reply.of(notice, msg("engine.type_menu")))
        return IDLE if word is None else self._global_word(word, IDLE, turn, greeted=False)

    # ---- going back ----------------------------------------------------------------------------

    def _offers(self, step: Step, data: Data, text: str, turn: _Turn) -> bool:
        """Does the step offer a choice named by these words ("Kembali ke daftar")? Then it is the step's."""
        said = normalise(text)
        labelled = self._labelled(step.ask(turn.ctx, data).choices, turn.ctx)
        return any(name == said or name.startswith(said + " ") for choice in labelled for name in choice.names)

    def _go_back(self, flow: Flow, step: Step, state: SessionState, turn: _Turn) -> SessionState:
        """ "kembali": the step answered before this one, asked again with everything entered kept."""
        history = state.history
        previous = flow.steps.get(history[-1]) if history else None
        if not isinstance(previous, Step):
            turn.say(self._reask(step, state.data, turn, msg("navigation.nothing_before")))
            return replace(state, history=())
        turn.say(previous.ask(turn.ctx, state.data))
        return replace(state, step=history[-1], history=history[:-1])

    @staticmethod
    def _path(flow: Flow, state: SessionState, to: str) -> tuple[str, ...]:
        """The steps behind `to` when the flow goes there from the current step: a step reached again
        (a list gone back to after a decision) has behind it what it had the first time."""
        if state.step is None or state.step == to:
            return state.history
        target = flow.steps.get(to)
        if isinstance(target, Step) and target.no_way_back:
            return ()
        if to in state.history:
            return state.history[: state.history.index(to)]
        return (*state.history, state.step)

    # ---- global words ------------------------------------------------------------------------

    def _global_word(self, word: GlobalWord, state: SessionState, turn: _Turn, *, greeted: bool) -> SessionState:
        match word:
            case GlobalWord.MENU:
                self._pause(state, turn)
                if greeted:  # "/start", the first message every Telegram user sends
                    return self._show_menu(turn, msg("engine.greeting", programme=turn.ctx.programme.name))
                return self._show_menu(turn)
            case GlobalWord.CANCEL:
                said = "engine.cancelled" if not state.idle and state.flow != MENU_FLOW else "engine.nothing_to_cancel"
                if self._pause(state, turn):
                    said = "engine.paused"
                turn.say(Reply.of(msg(said)))
                return self._show_menu(turn)
            case GlobalWord.HELP:
                turn.say(Reply.of(msg("engine.help")))
                return self._ask_again(state, turn, quiet_when_idle=True)
            case GlobalWord.LANGUAGE:
                other = "en" if turn.ctx.language == "id" else "id"
                turn.apply((SetLanguage(other),))
                turn.say(Reply.of(msg("engine.language_switched")))
                return self._ask_again(state, turn, quiet_when_idle=True)
            case GlobalWord.STOP:
                turn.apply((SetOptOut(True),))
                turn.say(Reply.of(msg("engine.announcements_stopped")))
                return self._ask_again(state, turn, quiet_when_idle=True)
            case GlobalWord.RESUME:
                turn.apply((SetOptOut(False),))
                turn.say(Reply.of(msg("engine.announcements_resumed")))
                return self._ask_again(state, turn, quiet_when_idle=True)

    def _command(self, text: str, ctx: Context) -> tuple[Flow, str] | None:
        """ "kode AB12CD", "/start AB12CD": a flow's command word followed by an argument it takes ("terima
        kasih" is thanks, not a sponsor's code), in a programme that offers the flow."""
        first, _, rest = text.partition(" ")
        word, argument = normalise(first).removeprefix("/"), fold_lines(rest)
        if not argument or len(argument) > _MAX_ARGUMENT_CHARS:
            return None
        return next(
            (
                (f, argument)
                for f in self.flows.values()
                if word in f.commands and f.offered(ctx.programme) and f.takes_argument(argument)
            ),
            None,
        )

    def _named_flow(self, text: str, turn: _Turn) -> Flow | None:
        """A flow named exactly by one of its words ("cek status", "daftar", "hitung manfaat"): the
        menu's entries first, then flows kept off the menu to keep it short enough for a phone."""
        said = normalise(text)
        in_order = (*self.menu, *(flow_id for flow_id in self.flows if flow_id not in self.menu))
        return next(
            (
                f
                for f in (self.flows[flow_id] for flow_id in in_order)
                if f.in_menu(turn.ctx.contact) and f.offered(turn.ctx.programme) and said in f.aliases
            ),
            None,
        )

    def _role_needed_for(self, text: str, turn: _Turn) -> RoleNeed | None:
        """The role a flow named exactly by these words needs, when the person does not hold it."""
        said = normalise(text)
        return next(
            (
                flow.needs_role
                for flow in self.flows.values()
                if said in flow.aliases and flow.role_lost(turn.ctx.contact, {}) is not None
            ),
            None,
        )

    def _pause(self, state: SessionState, turn: _Turn) -> bool:
        """Keep a resumable flow's data when the person leaves it halfway; whether anything was kept."""
        flow = self.flows.get(state.flow or "")
        if flow is None or not flow.resumable or not state.data or flow.version != state.flow_version:
            return False
        turn.paused[flow.id] = dict(state.data)
        return True

    # ---- the main menu -----------------------------------------------------------------------

    def menu_choices(self, ctx: Context) -> tuple[Choice, ...]:
        entries = (self.flows[flow_id] for flow_id in self.menu)
        programme = ctx.programme
        shown = [f for f in entries if f.in_menu(ctx.contact) and f.offered(programme) and f.listed(programme)]
        for flow_id in _SAID_ANYWHERE:
            if len(shown) > _MENU_MOST:
                shown = [flow for flow in shown if flow.id != flow_id]
        return tuple(Choice(flow.id, flow.title, flow.aliases) for flow in shown)

    def _menu_reply(self, turn: _Turn, *before: Msg) -> Reply:
        return Reply.of(
            *before, msg("engine.menu", programme=turn.ctx.programme.name), choices=self.menu_choices(turn.ctx)
        )

    def _show_menu(self, turn: _Turn, *before: Msg) -> SessionState:
        turn.say(self._menu_reply(turn, *before))
        return SessionState(MENU_FLOW, 1, _MENU_STEP)

    def _from_menu(self, state: SessionState, text: str, button: str | None, turn: _Turn) -> SessionState:
        named = self._named_flow(text, turn) if button is None else None
        if named is not None:  # a menu entry's own words, before any fuzzy matching
            return self._start(named, {}, turn)
        # A letter asked this person something (the renewal): this message is likely the answer. At rest
        # it goes there; with the menu on screen a pick from the menu comes first ("3" is menu item 3).
        awaiting = self.flows.get(turn.ctx.contact.awaiting or "")
        if awaiting is not None and (state.idle or turn.ctx.contact.letter_is_newer):
            return self._answer_letter(awaiting, text, button, turn)
        needed = self._role_needed_for(text, turn) if button is None else None
        if needed is not None:  # a role's menu word from someone without the role (revoked, say)
            return self._show_menu(turn, msg("navigation.role_needed", role=needed.name))
        choices = self.menu_choices(turn.ctx)
        picked = match_choice(text, button, self._labelled(choices, turn.ctx))
        if picked is not None:
            return self._start(self.flows[picked], {}, turn)
        if awaiting is not None:
            return self._answer_letter(awaiting, text, button, turn)
        greeted = is_greeting(text) or (starts_with_greeting(text) and not looks_like_a_question(text))
        if greeted or (state.idle and not normalise(text)):  # "halo", also "halo nama saya Siti"
            return self._show_menu(turn, msg("engine.greeting", programme=turn.ctx.programme.name))
        if looks_like_a_number(text):  # but not one on the menu
            return self._show_menu(turn, msg("engine.pick_a_number"))
        if self._is_a_question(text):  # "brp iuran nya", "klo meninggal dpt brp": answer it
            question = mask_niks(fold_lines(text))
            if len(question) > QUESTION_LIMIT.most:
                return self._show_menu(turn, _too_long(QUESTION_LIMIT, question, turn.ctx))
            return self._start(self.flows[self.question_flow or ""], {"question": question}, turn)
        return self._show_menu(turn, msg("engine.not_understood"))

    def _not_at_a_step(self, state: SessionState, text: str, inbound: Inbound, turn: _Turn) -> SessionState | None:
        """Where a message goes when no step of a flow takes it: the main menu (at rest or with the menu on
        screen), or a letter's question that came after a form was left halfway (a form that can be kept,
        or holds nothing yet: one that would be lost goes on, and the letter waits)."""
        if state.idle or (state.flow == MENU_FLOW):
            return self._from_menu(state, text, inbound.choice_id, turn)
        letter = self._newer_letter(state, turn)
        flow = self.flows.get(state.flow or "")
        if letter is None or (flow is not None and state.data and not flow.resumable):
            return None  # a form that could not be kept goes on; the letter's question waits for its end
        named = self._named_flow(text, turn) if inbound.choice_id is None else None
        self._pause(state, turn)
        return self._start(named, {}, turn) if named else self._answer_letter(letter, text, inbound.choice_id, turn)

    def _newer_letter(self, state: SessionState, turn: _Turn) -> Flow | None:
        """The flow of a letter's question that came after this conversation last moved, unless the
        person is in that flow already."""
        contact = turn.ctx.contact
        if not contact.letter_is_newer or state.flow == contact.awaiting:
            return None
        return self.flows.get(contact.awaiting or "")

    def _answer_letter(self, flow: Flow, text: str, button: str | None, turn: _Turn) -> SessionState:
        """The message after a letter's question goes to the flow that takes its answer; a clear benefit
        question typed instead is answered first, and the letter's question asked again."""
        passing = self.questions.answer_in_passing(text, turn.ctx) if self.questions and button is None else None
        if passing is not None:
            turn.apply((RecordQuestionOutcome("answered", passing.topic, _PASSING),))
            turn.say(Reply(passing.parts))
            return self._start(flow, {}, turn)
        return self._start(flow, {"reply": text, "button": button or ""}, turn)

    def _is_a_question(self, text: str) -> bool:
        if self.questions is None or self.question_flow is None:
            return False
        found = self.questions.match(text)
        return found.sure is not None or bool(found.closest) or looks_like_a_question(text)

    # ---- running flows -----------------------------------------------------------------------

    def _start(self, flow: Flow, data: Data, turn: _Turn, depth: int = 0) -> SessionState:
        if flow.needs_consent and flow.consent_purpose not in turn.ctx.contact.consents:
            flow, data = self.flows[CONSENT_FLOW], {"then": flow.id, "purpose": flow.consent_purpose}
        elif not data and flow.id in turn.paused:
            kept = turn.paused.pop(flow.id)
            # kept work that needed a role revoked since is not taken up again
            data = kept if flow.fits(kept) and flow.role_lost(turn.ctx.contact, kept) is None else {}
        state = SessionState(flow.id, flow.version, None, data)
        return self._follow(flow, state, flow.start(turn.ctx, data), turn, depth)

    def _follow(
        self, flow: Flow, state: SessionState, transition: Transition, turn: _Turn, depth: int = 0
    ) -> SessionState:
        if isinstance(transition, Invalid):
            step = flow.steps.get(state.step or "")
            if not isinstance(step, Step):  # a flow refused to start: say why, and offer the menu
                return self._show_menu(turn, transition.problem)
            turn.say(self._reask(step, state.data, turn, transition.problem))
            return state
        turn.apply(transition.effects)
        turn.say(*transition.say)
        if isinstance(transition, Fetch):
            data = state.data if transition.data is None else transition.data
            turn.fetch = transition
            return SessionState(flow.id, flow.version, state.step, data, state.revision, history=state.history)
        if isinstance(transition, Goto):
            data = state.data if transition.data is None else transition.data
            step = flow.steps[transition.step]
            if isinstance(step, Step):
                turn.say(step.ask(turn.ctx, data))
            history = self._path(flow, state, transition.step)
            return SessionState(flow.id, flow.version, transition.step, data, state.revision, history=history)
        turn.paused.pop(flow.id, None)  # finished: nothing left to resume
        # `then` may come from saved data naming a flow a later deploy removed: finish instead of failing.
        if transition.then == MENU_FLOW:
            return self._show_menu(turn)
        then = self.flows.get(transition.then) if transition.then is not None else None
        if then is not None and depth < _MAX_HANDOVERS:
            return self._start(then, transition.then_data, turn, depth + 1)
        if turn.replies:
            last = turn.replies[-1]
            if not last.choices:
                turn.replies[-1] = Reply((*last.parts, msg("engine.type_menu")))
        return SessionState()

    def _answer(self, step: Step, data: Data, text: str, inbound: Inbound, turn: _Turn) -> Answer | None:
        choices = step.ask(turn.ctx, data).choices
        labelled = self._labelled(choices, turn.ctx)
        # A step that also takes free text gets only what is clearly a choice (not a word in a street name).
        read = read_choice(text, inbound.choice_id, labelled, strict=step.free_text) if choices else Reading()
        if read.loose and self._named_flow(text, turn) is not None:
            read = Reading()  # a flow's own words ("hitung manfaat") beat a loose reading of them
        if choices and read.choice is None and not step.free_text:
            return None
        typed = text if step.multiline else fold_lines(text)
        masked = typed if step.asks_nik else mask_niks(typed)
        return Answer(text=masked, choice=read.choice, phone=inbound.phone, number=read.number)

    def _reask(self, step: Step, data: Data, turn: _Turn, problem: Msg) -> Reply:
        question = step.ask(turn.ctx, data)
        return Reply((problem, *question.parts), question.choices)

    def _ask_again(self, state: SessionState, turn: _Turn, quiet_when_idle: bool = False) -> SessionState:
        """After an interruption, repeat the question the person was answering."""
        flow = self.flows.get(state.flow or "")
        step = flow.steps.get(state.step or "") if flow else None
        if flow is not None and isinstance(step, Step) and flow.version == state.flow_version:
            turn.say(step.ask(turn.ctx, state.data))
            return state
        if quiet_when_idle and state.idle:
            return state
        return self._show_menu(turn)

    @staticmethod
    def _labelled(choices: Sequence[Choice], ctx: Context) -> list[LabelledChoice]:
        render = ctx.renderer.render
        return [
            LabelledChoice(c.id, (*(render(c.label, lang) for lang in LANGUAGES), *c.aliases), c.number)
            for c in choices
        ]


def _too_long(limit: TextLimit, text: str, ctx: Context) -> Msg:
    """ "Pengumuman maksimal 1.000 huruf; pesan Anda 5.000 huruf." and what to do about it."""
    return msg(
        "limit.too_long",
        what=limit.what,
        most=count_text(limit.most, ctx.language),
        count=count_text(len(text), ctx.language),
    )


def _with_consent(contact: ContactInfo, consent: RecordConsent) -> ContactInfo:
    """The contact once `consent` is recorded: it counts for the rest of the turn."""
    purposes = contact.consents | {consent.purpose} if consent.granted else contact.consents - {consent.purpose}
    if consent.purpose == PERSONAL_DATA:
        return replace(contact, consented=consent.granted, consents=purposes)
    return replace(contact, consents=purposes)
