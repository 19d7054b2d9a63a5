"""The Dinas's figures and their chart (admins)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from conversations.requests.base import Request

__all__ = [
    "Count",
    "FigureCounts",
    "Figures",
    "FiguresOverTime",
    "FileQueued",
    "MonthOfRegistrations",
    "OnlyForAdmins",
    "RenewalFigures",
    "SendFiguresChart",
    "ShowFigures",
    "ShowFiguresOverTime",
    "WeekOfQuestions",
    "YearOfParticipants",
]


@dataclass(frozen=True, slots=True)
class Count:
    key: str  # a status, a kelurahan code or a job type id
    count: int


@dataclass(frozen=True, slots=True)
class FigureCounts:
    """Registrations counted three ways, largest first (status in the order of the process)."""

    by_status: tuple[Count, ...] = ()
    by_kelurahan: tuple[Count, ...] = ()  # not counting rejected and deleted registrations
    by_job_type: tuple[Count, ...] = ()  # the same


@dataclass(frozen=True, slots=True)
class WeekOfQuestions:
    """One ISO week (in the programme's time zone) of typed benefit questions."""

    monday: date
    week: int  # its ISO week number
    answered: int  # answered outright
    asked: int  # every typed question: answered, asked back ("did you mean"), not known


@dataclass(frozen=True, slots=True)
class YearOfParticipants:
    """One budget year's participants (db.models.ParticipantYear): new that year, or continuing from the
    year before; and that year's quota (None: not set)."""

    year: int
    new: int
    continuing: int
    quota_places: int | None

    @property
    def total(self) -> int:
        return self.new + self.continuing


@dataclass(frozen=True, slots=True)
class RenewalFigures:
    """The newest renewal round (into `year`), counted. Silence is never a removal: the silent continue."""

    year: int
    open: bool
    opened_at: datetime
    closed_at: datetime | None
    participants: int  # rows in the round
    asked: int  # the question went to the worker's chat
    reminded: int
    answered_yes: int
    said_no: int  # moved or no longer working: the kelurahan decides
    asked_to_leave: int
    decided_by_kelurahan: int
    waiting_for_kelurahan: int
    not_reachable: int  # no chat: continue without being asked
    silent: int  # asked, no answer: continue
    ending: tuple[Count, ...] = ()  # "ends" by reason, largest first

    @property
    def answered(self) -> int:
        return self.answered_yes + self.said_no + self.asked_to_leave

    @property
    def ending_total(self) -> int:
        return sum(c.count for c in self.ending)


@dataclass(frozen=True, slots=True)
class Figures:
    """Everything the Dinas reports, as numbers; the flow turns them into words."""

    year: int
    counts: FigureCounts
    quota_places: int | None  # None: no quota set for the year (programme file or `jaring quota set`)
    quota_used: int
    active: int
    premiums_year: int  # rupiah committed for the year: see bot/desks/figures.py committed_premiums
    claims_paid: int
    claims_paid_total: int  # rupiah
    claims_open: int
    accident_reports: int  # reported this year
    unanswered_count: int  # in the last `unanswered_days` days
    unanswered_days: int
    unanswered_newest: tuple[str, ...] = field(default_factory=tuple)  # long numbers masked already
    question_weeks: tuple[WeekOfQuestions, ...] = ()  # the last ISO weeks, oldest first, this week last
    participant_years: tuple[YearOfParticipants, ...] = ()  # the last budget years recorded, oldest first
    renewal: RenewalFigures | None = None  # the newest round; None: none was ever opened

    def count_of(self, status: str) -> int:
        return next((c.count for c in self.counts.by_status if c.key == status), 0)


@dataclass(frozen=True, slots=True)
class MonthOfRegistrations:
    """One calendar month (in the programme's time zone): the registrations sent in it and the
    participants whose cover started in it, and both added up from the first month to its end."""

    month: date  # its first day
    registered: int
    started: int
    registered_total: int
    active_total: int


@dataclass(frozen=True, slots=True)
class FiguresOverTime:
    """The figures, with registrations month by month (the chart's numbers) from the first registration
    to this month: what the web desk's figures page shows."""

    figures: Figures
    months: tuple[MonthOfRegistrations, ...] = ()


@dataclass(frozen=True, slots=True)
class FileQueued:
    """A file is on its way to the admin (`rows` 0: there was nothing to put in it, and nothing was sent)."""

    rows: int
    file_name: str = ""


@dataclass(frozen=True, slots=True)
class OnlyForAdmins:
    pass


@dataclass(frozen=True, slots=True)
class ShowFigures(Request[Figures | OnlyForAdmins]):
    """The programme's figures for `year` (None: this year where the programme is)."""

    year: int | None = None


@dataclass(frozen=True, slots=True)
class SendFiguresChart(Request[FileQueued | OnlyForAdmins]):
    """Draw the chart (registrations over time, quota use) and send it to the admin asking, as an image."""

    year: int | None = None


@dataclass(frozen=True, slots=True)
class ShowFiguresOverTime(Request[FiguresOverTime | OnlyForAdmins]):
    """The figures for `year` (None: this year) and registrations month by month (the web desk's page)."""

    year: int | None = None
