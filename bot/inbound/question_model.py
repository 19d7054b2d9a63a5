"""The question model a bot process reads questions with, kept up to date from the store, and the
training an admin's attached group asks for.

- **Freshness.** The newest `question_models` row is what every process should use. At its first
  message a process loads it into its question desk (if there is one; else the model shipped with the
  code stays), then asks again at most once a minute with one `SELECT max(id)`, and loads a newer one.
  A model trained by any process (the chat's child below, `jaring questions train|attach`) so takes
  effect everywhere within a minute, without a restart or a redeploy.
- **Training.** Training needs scikit-learn (~140 MB, ~2.5 s to import), which the bot never imports:
  after the transaction that stored an admin's phrases commits, `jaring questions train` runs as a child
  process (`sys.executable -m bot.cli`, the same environment and database). Requests that arrive while
  one runs make one more run afterwards, so the last run always learns from every phrase stored."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta

from conversations.questions.desk import QuestionDesk
from conversations.questions.matching import shipped_model
from conversations.questions.model import TopicModel
from db.connection import Store
from db.repositories import question_learning

__all__ = ["CHECK_EVERY", "TRAIN_COMMAND", "QuestionModelKeeper"]

log = logging.getLogger(__name__)

CHECK_EVERY = timedelta(minutes=1)
TRAIN_COMMAND: tuple[str, ...] = (sys.executable, "-m", "bot.cli", "questions", "train")
_TRAINING_MOST_SECONDS = 600.0  # a training that takes longer is stuck: stopped, and said in the log


class QuestionModelKeeper:
    def __init__(
        self,
        desk: QuestionDesk,
        *,
        check_every: timedelta = CHECK_EVERY,
        train_command: Sequence[str] = TRAIN_COMMAND,
    ) -> None:
        self.desk = desk
        self.check_every = check_every
        self.train_command = tuple(train_command)
        self.loaded_id: int | None = None  # the store's model in use (None: the shipped one)
        self._checked_at: datetime | None = None
        self._unreadable_id: int | None = None
        self._training: asyncio.Task[None] | None = None
        self._train_again = False

    # ---- freshness ---------------------------------------------------------------------------------

    async def refresh_if_due(self, store: Store, now: datetime) -> None:
        """At the first message, then at most once every `check_every`."""
        checked = self._checked_at
        if checked is not None and checked <= now < checked + self.check_every:
            return
        self._checked_at = now
        await self.refresh(store)

    async def refresh(self, store: Store) -> bool:
        """Load the store's newest model if it is not the one in use; True when one was loaded."""
        async with store.transaction() as session:
            newest = await question_learning.newest_model_id(session)
            if newest is None or newest in (self.loaded_id, self._unreadable_id):
                return False
            saved = await question_learning.newest_model(session)
        if saved is None:
            return False
        try:
            model = TopicModel.from_json(saved.model)  # outside the transaction: ~60 ms for a full model
        except (ValueError, KeyError) as exc:  # saved by another version of the code
            log.warning("question model %s not read (%s); keeping the one in use", saved.id, exc)
            self._unreadable_id = saved.id
            return False
        shipped = shipped_model()
        if model.base != shipped.trained_on or set(model.topics) != set(shipped.topics):
            # grown from the examples (or topics) of another release: the shipped model is better until
            # the next training, which this release's `jaring questions train` does from today's examples
            log.warning("question model %s was trained for another release; keeping the one in use", saved.id)
            self._unreadable_id = saved.id
            return False
        self.desk.use_model(model)
        self.loaded_id = saved.id
        log.info("question model %s in use (%s examples, trained %s)", saved.id, saved.examples, saved.trained_at)
        return True

    # ---- training ----------------------------------------------------------------------------------

    def start_training(self) -> None:
        """Train in a child process, now or (one is running) right after it; never waits for it."""
        if self._training is not None and not self._training.done():
            self._train_again = True
            return
        self._training = asyncio.create_task(self._train_until_current(), name="question model training")

    async def training_done(self) -> None:
        """Wait for the training started, if any (tests; closing)."""
        if self._training is not None:
            await asyncio.shield(self._training)

    async def close(self) -> None:
        """A training under way is let finish: the admin was told it takes effect within a minute."""
        await self.training_done()

    async def _train_until_current(self) -> None:
        while True:
            self._train_again = False
            await self._train_once()
            if not self._train_again:
                return

    async def _train_once(self) -> None:
        try:
            child = await asyncio.create_subprocess_exec(
                *self.train_command,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
        except OSError as exc:
            log.error("question model training could not start: %s", exc)
            return
        try:
            said, _ = await asyncio.wait_for(child.communicate(), _TRAINING_MOST_SECONDS)
        except TimeoutError:
            child.kill()
            await child.wait()
            log.error("question model training stopped after %.0f s", _TRAINING_MOST_SECONDS)
            return
        last = said.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        if child.returncode == 0:
            log.info("question model trained: %s", last[0])
        else:
            log.error("question model training failed (exit %s): %s", child.returncode, last[0])
