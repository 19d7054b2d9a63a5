"""One request to a page of the desk, by a signed-in officer: `page_route` wraps every page.

The wrapper, for every page:
- the session cookie → the officer, with the roles they hold now (read again on every request, as the
  chat does for every message); none, expired, or no officer role any more → the sign-in page;
- a POST must carry the session's CSRF token (`csrf` in the form), else 403 and nothing is done;
- `NotFound` (a registration outside a verifier's kelurahan, an unknown number) → 404, and
  `AdminsOnly` → 403, each as a page that says where to go instead;
- every answer carries headers that keep it out of caches, frames and other sites' referrers.

A page then asks the same desks as the chat with `visit.ask(SomeRequest(...))`, in a transaction of its
own; the letters the answer causes (the worker told of a decision) are queued by the same outbox writer
and the outbox worker is woken."""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.desks.web_sign_in import Officer, officer_of
from bot.web.desk import DESK_PATH, Desk
from bot.web.rendering import Texts
from conversations.requests.base import Request as DeskRequest
from db.repositories import audit, contacts

__all__ = [
    "COOKIE",
    "AdminsOnly",
    "NotFound",
    "Visit",
    "notices",
    "page_route",
    "path_id",
    "public_page",
    "query_int",
    "security_headers",
]

log = logging.getLogger(__name__)

COOKIE = "jaring_desk"
# A form's whole body at most (the largest is an uploaded list, capped at 10 MB by its page): a larger
# one is refused before it is read, rather than spooled to disk first.
MAX_FORM_BYTES = 11 * 1024 * 1024
A = TypeVar("A")
PageHandler = Callable[["Visit"], Awaitable[Response]]

# No caching anywhere (pages hold personal data), no framing, no referrer (a sign-in link's token must
# not travel on), only our own style sheet and script.
_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}


def security_headers(response: Response) -> Response:
    response.headers.update(_HEADERS)
    return response


class NotFound(Exception):
    """What the officer asked for is not there for them: unknown, gone, or outside their kelurahan."""


class AdminsOnly(Exception):
    """A page or an action for Dinas admins, asked by a verifier."""


@dataclass(slots=True)
class Visit:
    request: Request
    desk: Desk
    officer: Officer
    now: datetime
    form: FormData | None = None  # a POST's fields, its CSRF token already checked
    texts: Texts = field(init=False)

    def __post_init__(self) -> None:
        jaring = self.desk.jaring
        self.texts = Texts(jaring.catalogs, self.officer.contact.language or "id", jaring.programme)

    # ---- asking the desks ----

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        async with self.desk.jaring.store.transaction() as session:
            yield session

    async def ask(self, request: DeskRequest[A]) -> A:
        """The desk's answer to `request`, asked as this officer, as the chat asks it. The letters it
        causes are queued in the same transaction and the outbox worker is woken."""
        jaring = self.desk.jaring
        async with self.transaction() as session:
            contact = await contacts.contact_by_id(session, self.officer.contact.id)
            if contact is None:  # erased meanwhile
                raise NotFound
            answer = await jaring.pipeline.answerer.answer(session, contact, request, self.now)
        self.desk.wake_outbox()
        return answer

    async def viewed(self, what: str, subject: str | None = None, **detail: str) -> None:
        """Audit a page that showed personal data (UU 27/2022: who saw whose data, when)."""
        async with self.transaction() as session:
            await audit.record_audit(
                session,
                "web.viewed",
                now=self.now,
                actor_contact_id=self.officer.contact.id,
                subject=subject,
                detail={"page": what, **detail},
            )

    def require_admin(self) -> None:
        if not self.officer.is_admin:
            raise AdminsOnly

    # ---- answering ----

    def field(self, name: str, default: str = "") -> str:
        """A form field (POST) or a query parameter (GET), as text, trimmed."""
        value = self.form.get(name) if self.form is not None else self.request.query_params.get(name)
        return value.strip() if isinstance(value, str) else default

    def page(self, template: str, *, status: int = 200, **context: Any) -> Response:
        notice = self.request.query_params.get("pesan", "")
        html = self.desk.environment.get_template(template).render(
            t=self.texts,
            officer=self.officer,
            csrf=self.officer.csrf_token,
            base=DESK_PATH,
            path=self.request.url.path,
            notice=self.texts(notice) if notice in _NOTICES else "",
            **context,
        )
        return security_headers(HTMLResponse(html, status_code=status))

    def redirect(self, path: str, *, notice: str = "", **query: str | int) -> Response:
        """303 to a page of the desk (after a form: a reload does not send it again), with a notice
        from the catalogs shown at the top (`notice` must be one registered with `notices`)."""
        params = {**{k: str(v) for k, v in query.items()}, **({"pesan": notice} if notice else {})}
        target = f"{DESK_PATH}{path}" + (f"?{urlencode(params)}" if params else "")
        return security_headers(RedirectResponse(target, status_code=303))

    def download(self, content: bytes, file_name: str, media_type: str) -> Response:
        response = Response(content, media_type=media_type)
        response.headers["Content-Disposition"] = f'attachment; filename="{file_name}"'
        return security_headers(response)


_NOTICES: set[str] = set()


def notices(*keys: str) -> None:
    """The catalog keys a page may show as its notice after a redirect (`?pesan=KEY`): only these,
    so a crafted link cannot put another text at the top of the page."""
    _NOTICES.update(keys)


def page_route(
    desk: Desk, path: str, handler: PageHandler, *, methods: tuple[str, ...] = ("GET",), name: str | None = None
) -> Route:
    async def endpoint(request: Request) -> Response:
        started = time.perf_counter()
        response = await _answer(request)
        # The page's time in this process (the benchmark reads it: bench/web_desk.py); no personal data.
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        return response

    async def _answer(request: Request) -> Response:
        jaring = desk.jaring
        now = jaring.pipeline.clock()
        cookie = request.cookies.get(COOKIE, "")
        officer = None
        if cookie:
            async with jaring.store.transaction() as session:
                officer = await officer_of(session, cookie, now=now)
        if officer is None:
            return _signed_out(desk)
        if request.method != "POST":
            return await _handled(Visit(request, desk, officer, now))
        length = request.headers.get("content-length", "")
        if not length.isdecimal():  # browsers say a form's length; without it the cap below could not hold
            return _error(Visit(request, desk, officer, now), 411, "web.error.bad_form")
        if int(length) > MAX_FORM_BYTES:
            return _error(Visit(request, desk, officer, now), 413, "web.error.too_large")
        try:
            form = await request.form(max_files=1, max_fields=2000, max_part_size=1024 * 1024)
        except HTTPException as exc:  # Starlette's 400 for a form it cannot parse (two files, a huge field)
            return _error(Visit(request, desk, officer, now), exc.status_code, "web.error.bad_form")
        try:  # an uploaded file over 1 MB waits in a temporary file: personal data, gone once closed
            given = form.get("csrf")
            if not isinstance(given, str) or not hmac.compare_digest(given, officer.csrf_token):
                return _error(Visit(request, desk, officer, now), 403, "web.error.csrf")
            return await _handled(Visit(request, desk, officer, now, form))
        finally:
            await form.close()

    async def _handled(visit: Visit) -> Response:
        try:
            return await handler(visit)
        except NotFound:
            return _error(visit, 404, "web.error.not_found")
        except AdminsOnly:
            return _error(visit, 403, "web.error.admins_only")

    return Route(path, endpoint, methods=list(methods), name=name)


def public_page(desk: Desk, template: str, *, status: int = 200, **context: object) -> Response:
    """A page for someone not signed in (the sign-in pages), in Indonesian."""
    texts = Texts(desk.jaring.catalogs, "id", desk.jaring.programme)
    html = desk.environment.get_template(template).render(
        t=texts, officer=None, csrf="", base=DESK_PATH, path="", notice="", **context
    )
    return security_headers(HTMLResponse(html, status_code=status))


def _signed_out(desk: Desk) -> Response:
    """The page that says how to sign in, as 401: a script asking for figures stops there too."""
    return public_page(desk, "signing_in/signed_out.html", status=401)


def _error(visit: Visit, status: int, key: str) -> Response:
    return visit.page("error.html", status=status, message=visit.texts(key), status_code=status)


def path_id(visit: Visit, name: str) -> int:
    """A record's number from the path (a `{name:int}` route); one no record can have (too long for the
    store) is not found rather than a database error."""
    value = visit.request.path_params[name]
    if not isinstance(value, int) or value >= 2**31:
        raise NotFound
    return value


def query_int(params: Mapping[str, str], name: str, default: int = 0) -> int:
    """A whole number from the query string; anything else is the default."""
    value = params.get(name, "")
    return int(value) if value.isdecimal() and len(value) < 10 else default
