"""Correcting one field of a registration (conversations/requests/registrations.py PlanCorrection,
CorrectRegistration), from "Data saya" or a leader's "Warga saya".

The rule is the core's (conversations/corrections_policy.py): this desk reads the registration again,
locked, checks who asks (the worker, or the leader who entered it) and the value, asks the rule what the
change does, and saves only the plan the person confirmed. A new NIK or birth date must agree with the
other one recorded (as when registering), and a new NIK, birth date or kelurahan is judged by the
programme's rules (conversations/programme_rules.py) on the registration's day: a strict rule broken
refuses it, a rule the kelurahan decides adds its flag, and so does a leader's neighbour moved outside
the leader's area. An approved registration sent back to the
kelurahan keeps its quota place (its `quota_year` stays); one that holds no place loses a stale year.
A change BPJS TK must hear of goes to each Dinas admin as a letter."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date

from bot.desks.call import DeskCall
from bot.desks.registrations import leader_grant_now, outside_leader_area
from conversations.corrections_policy import CORRECTABLE_FIELDS, CorrectionPlan, correction_plan, stored_form
from conversations.flows.fields import FIELDS
from conversations.flows.jobs import OTHER_JOB
from conversations.flows.registration import LEADER_ROLE
from conversations.flows.statuses import status_text
from conversations.letters import Letter
from conversations.messages import Msg, msg
from conversations.names import ktp_name
from conversations.nik import Nik, mask_nik, parse_nik, problems_with_birth_date
from conversations.programme_rules import Facts, age_rule_day, judge
from conversations.registration_flags import FLAGS, Flag, judged_flags, known_flags
from conversations.requests.base import Done, NotAllowed
from conversations.requests.registrations import (
    AlreadyRegistered,
    CorrectionRefused,
    CorrectRegistration,
    PlanCorrection,
)
from conversations.state import Json
from db.models import Registration
from db.repositories import audit, registrations, roles

__all__ = ["correct_registration", "plan_correction", "tell_the_dinas"]

_RT_RW = re.compile(r"^\d{3}$")
_PHONE = re.compile(r"^\d{8,15}$")
_POVERTY_ANSWERS = ("yes", "no", "unknown")
# (sent back to the kelurahan, place kept) → what the Dinas reads will happen next
_DINAS_NEXT = {
    (True, True): "correction.dinas_recheck_keep_place",
    (True, False): "correction.dinas_recheck",
    (False, True): "correction.dinas_no_recheck",
    (False, False): "correction.dinas_no_recheck",
}


# The fields whose change the programme's rules judge again: the birth date (the age band, in the NIK
# too) and the kelurahan (a KTP of the region; a leader's area).
_JUDGED_FIELDS = frozenset({"nik", "birth_date", "kelurahan_code"})
_Answer = CorrectionPlan | NotAllowed | AlreadyRegistered | CorrectionRefused


@dataclass(frozen=True, slots=True)
class _Planned:
    answer: _Answer
    flags: tuple[Flag, ...] | None = None  # the registration's flags once saved; None: as they are


async def plan_correction(call: DeskCall, request: PlanCorrection) -> _Answer:
    row = await _owned(call, request.registration_id)
    return (await _plan(call, row, request.field, request.value)).answer


async def correct_registration(call: DeskCall, request: CorrectRegistration) -> Done | _Answer:
    """Saved only as confirmed: a plan that is no longer the one the person saw comes back unsaved."""
    row = await _owned(call, request.registration_id)
    planned = await _plan(call, row, request.field, request.value)
    plan = planned.answer
    if row is None or not isinstance(plan, CorrectionPlan):
        return plan
    if plan != request.expected or plan.unchanged:
        return plan
    old = _current(call, row, plan.field)
    new = _valid_value(call, plan.field, request.value)
    _store(call, row, plan.field, new)
    if planned.flags is not None:
        row.flags = list(planned.flags)
    await _apply_status(call, row, plan)
    await audit.record_audit(
        call.session,
        "registration.corrected",
        now=call.now,
        actor_contact_id=call.asker.id,
        subject=f"registration:{row.id}",
        detail={
            "field": plan.field,
            "status": plan.status_after,
            "dinas_told": str(plan.dinas_told).lower(),
            **({"flags_added": ",".join(plan.flags_added)} if plan.flags_added else {}),
        },
    )
    if plan.dinas_told:
        await tell_the_dinas(call, row, plan, old, new)
    return Done()


async def _owned(call: DeskCall, registration_id: int) -> Registration | None:
    """The registration, locked, if it is the asker's own, or one they entered as RT/RW leader and they
    are a leader still (a revoked leader changes nothing)."""
    row = await registrations.lock_registration(call.session, registration_id)
    if row is None or row.erased_at is not None:
        return None
    if call.asker.id == row.registrant_contact_id:
        return row
    entered = call.asker.id == row.operator_contact_id
    return row if entered and await roles.holds_role(call.session, call.asker.id, LEADER_ROLE) else None


async def _plan(call: DeskCall, row: Registration | None, field: str, value: Json) -> _Planned:
    if row is None or field not in CORRECTABLE_FIELDS:
        return _Planned(NotAllowed())
    new = _valid_value(call, field, value)
    if new is None:
        return _Planned(NotAllowed())
    if field == "nik":
        other = await registrations.find_by_nik_hash(call.session, call.cipher.blind_index(str(new)))
        if other is not None and other.id != row.id:
            return _Planned(AlreadyRegistered())
    plan = correction_plan(field, row.status, row.quota_year, current=_current(call, row, field), new=new)
    if plan.unchanged or field not in _JUDGED_FIELDS:
        return _Planned(plan)
    return await _judged(call, row, plan, new)


async def _judged(call: DeskCall, row: Registration, plan: CorrectionPlan, new: Json) -> _Planned:
    """The change against the other facts recorded and the programme's rules, on the registration's day:
    refused, or the plan with the flags it adds (and the registration's flags once saved)."""
    about_other = call.asker.id != row.registrant_contact_id
    nik_date = _contradicted_nik_date(call, row, plan.field, new)
    if nik_date is not None:
        return _Planned(CorrectionRefused(nik_date=nik_date, about_other=about_other))
    registered_on = age_rule_day(call.programme, row.created_at)
    facts = _facts_after(call, row, plan.field, new)
    judged = judge(call.programme, facts, registered_on, region=call.region.name if call.region else "")
    if judged.refused:
        rule = judged.refused[0].rule
        return _Planned(CorrectionRefused(None, rule, facts.birth_date, registered_on, about_other))
    flags = await _flags_after(call, row, plan.field, new, judged_flags(judged))
    added = tuple(flag for flag in flags if flag not in known_flags(row.flags))
    judged_plan = dataclasses.replace(plan, flags_added=added, judged_on=registered_on if added else None)
    return _Planned(judged_plan, flags)


def _contradicted_nik_date(call: DeskCall, row: Registration, field: str, new: Json) -> date | None:
    """The NIK's birth date, when the new NIK or birth date disagrees with the other one recorded (the
    NIK holds day, month and year's last two digits: conversations/nik.py problems_with_birth_date)."""
    today = call.programme.local_date(call.now)
    if field == "nik":
        nik, born = parse_nik(str(new), today), row.birth_date
    elif field == "birth_date" and row.nik_cipher:
        nik, born = parse_nik(call.cipher.decrypt(row.nik_cipher), today), date.fromisoformat(str(new))
    else:
        return None
    if isinstance(nik, Nik) and born is not None and problems_with_birth_date(nik, born) is not None:
        return nik.birth_date
    return None


def _facts_after(call: DeskCall, row: Registration, field: str, new: Json) -> Facts:
    """What the registration would say, once changed, about the rule the change touches. A new NIK
    agrees with the recorded birth date, which keeps its century."""
    if field == "birth_date":
        return Facts(birth_date=date.fromisoformat(str(new)))
    if field == "nik":
        nik = parse_nik(str(new), call.programme.local_date(call.now))
        return Facts(birth_date=row.birth_date or (nik.birth_date if isinstance(nik, Nik) else None))
    in_region = call.region is None or any(k.code == new for k in call.region.all_kelurahan)
    return Facts(resident=in_region)


async def _flags_after(
    call: DeskCall, row: Registration, field: str, new: Json, judged: tuple[Flag, ...]
) -> tuple[Flag, ...]:
    """The registration's flags once changed: those of the rule the change touches judged again, the
    others as they were. A leader moving their neighbour's kelurahan is checked against their area."""
    held = set(known_flags(row.flags))
    if field in ("nik", "birth_date"):
        held.discard("age")
    else:
        held.discard("not_resident")
        leader = (
            await leader_grant_now(call.session, call.asker.id) if call.asker.id == row.operator_contact_id else None
        )
        if leader is not None:
            held.discard("outside_leader_area")
            place = {"kelurahan_code": new, "rt": row.rt, "rw": row.rw}
            if outside_leader_area(leader, place):
                held.add("outside_leader_area")
    held.update(judged)
    return tuple(flag for flag in FLAGS if flag in held)


def _valid_value(call: DeskCall, field: str, value: Json) -> Json:
    """The value in its stored form, or None when it is not one the form could have sent (a crafted
    request): the core's steps check what people type; this is the store's own check."""
    today = call.programme.local_date(call.now)
    match field, value:
        case "nik", str():
            nik = parse_nik(value, today)
            return nik.digits if isinstance(nik, Nik) else None
        case "full_name", str() if 3 <= len(ktp_name(value)) <= 100:
            return ktp_name(value)
        case "birth_date", str():
            try:
                born = date.fromisoformat(value)
            except ValueError:
                return None
            return born.isoformat() if born <= today else None
        case "kelurahan_code", str():
            known = call.region is None or any(k.code == value for k in call.region.all_kelurahan)
            return value if known and value else None
        case (("rt" | "rw"), str()) if _RT_RW.match(value):
            return value
        case "street", str() if 3 <= len(value) <= 200:
            return value
        case "job_type", str() if value == OTHER_JOB or any(j.id == value for j in call.programme.job_types):
            return value
        case "phone", str() if _PHONE.match(value):
            return value
        case "breadwinner", bool():
            return value
        case "poverty_register", str() if value in _POVERTY_ANSWERS:
            return value
    return None


def _current(call: DeskCall, row: Registration, field: str) -> Json:
    if field == "nik":
        return call.cipher.decrypt(row.nik_cipher) if row.nik_cipher else None
    if field == "birth_date":
        return row.birth_date.isoformat() if row.birth_date else None
    current: Json = getattr(row, field)
    return current


def _store(call: DeskCall, row: Registration, field: str, value: Json) -> None:
    if field == "nik":
        nik = parse_nik(str(value), call.programme.local_date(call.now))
        assert isinstance(nik, Nik)  # _valid_value parsed it already
        row.nik_cipher, row.nik_hash = call.cipher.encrypt(nik.digits), call.cipher.blind_index(nik.digits)
        row.female = nik.female
    elif field == "birth_date":
        row.birth_date = date.fromisoformat(str(value))
    elif field == "breadwinner":
        row.breadwinner = value is True
    else:
        setattr(row, field, stored_form(field, value))
    row.updated_at = call.now


async def _apply_status(call: DeskCall, row: Registration, plan: CorrectionPlan) -> None:
    """Back to the kelurahan, or the status as it was. A registration sent back without a place to
    keep (a rejected one, once approved) loses its old quota year, so that a year on a corrected one
    always means a place kept (corrections_policy.PLACE_HOLDING_STATUSES)."""
    if not plan.rechecked:
        return
    row.status, row.status_reason = plan.status_after, None
    if not plan.keeps_place:
        row.quota_year = None
    # The history the person sees: "data corrected, waiting for the kelurahan again".
    await registrations.record_event(
        call.session, row.id, plan.status_after, call.asker.id, call.now, reason=plan.field
    )


async def tell_the_dinas(call: DeskCall, row: Registration, plan: CorrectionPlan, old: Json, new: Json) -> None:
    """Each Dinas admin is told of a change BPJS TK must hear of (an approved or active registration)."""
    notice = msg(
        "correction.dinas_notice",
        number=row.id,
        name=row.full_name or "-",
        kpj=msg("correction.with_kpj", kpj=row.kpj) if row.kpj else "",
        status=status_text(row.status, row.status_reason or "", row.kpj or ""),
        field=next(f.label for f in FIELDS if f.key == plan.field),
        old=_shown(call, plan.field, old),
        new=_shown(call, plan.field, new),
        next=msg(_DINAS_NEXT[plan.rechecked, plan.keeps_place]),
    )
    admins = [admin for admin in await roles.contacts_with_role(call.session, "admin") if admin.id != call.asker.id]
    for admin in admins:
        call.post.append(Letter.of(admin.id, notice))


def _shown(call: DeskCall, field: str, value: Json) -> Msg | str:
    """A value as the Dinas reads it in the letter: the NIK masked (in full only in the enrolment list)."""
    if value is None or value == "":
        return msg("field.empty")
    text = str(value)
    match field:
        case "nik":
            return msg("correction.nik_shown", nik=mask_nik(text))
        case "birth_date":
            return msg("field.date", date=date.fromisoformat(text))
        case "kelurahan_code" if call.region is not None:
            return next((k.name for k in call.region.all_kelurahan if k.code == text), text)
        case "job_type":
            return next((j.name for j in call.programme.job_types if j.id == text), msg("job.other_named"))
        case "phone" if text.startswith("62"):
            return "0" + text[2:]
    return text
