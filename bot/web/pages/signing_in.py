"""Signing in with the one-time link from the chat, and signing out.

GET /dinas/masuk?t=… only shows a button: chat apps open links to draw their previews, and such a
visit must not use up the link. The button POSTs the token; a good one gives the session cookie
(HttpOnly, SameSite=Strict, Secure behind HTTPS, for a working day) and the home page."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.desks.web_sign_in import end_sign_in, sign_in
from bot.web.desk import DESK_PATH, Desk
from bot.web.visit import COOKIE, Visit, page_route, public_page, security_headers

__all__ = ["routes"]

_LINK_TOKEN_MAX = 100


def routes(desk: Desk) -> list[BaseRoute]:
    async def link_page(request: Request) -> Response:
        token = request.query_params.get("t", "")[:_LINK_TOKEN_MAX]
        return public_page(desk, "signing_in/link.html", token=token)

    async def use_link(request: Request) -> Response:
        if _from_another_site(request):  # someone else's page signing this browser in as them
            return public_page(desk, "signing_in/link_refused.html", status=403)
        form = await request.form(max_files=0, max_fields=5)
        token = form.get("t")
        jaring = desk.jaring
        now = jaring.pipeline.clock()
        signed = None
        if isinstance(token, str) and 0 < len(token) <= _LINK_TOKEN_MAX:
            async with jaring.store.transaction() as session:
                signed = await sign_in(session, token, now=now, hours=desk.session_hours)
        if signed is None:
            return public_page(desk, "signing_in/link_refused.html", status=403)
        response = RedirectResponse(f"{DESK_PATH}/", status_code=303)
        response.set_cookie(
            COOKIE,
            signed.token,
            max_age=int(desk.session_hours * 3600),
            path=DESK_PATH,
            secure=desk.secure_cookie,
            httponly=True,
            samesite="strict",
        )
        return security_headers(response)

    async def sign_out(visit: Visit) -> Response:
        async with visit.transaction() as session:
            await end_sign_in(session, visit.request.cookies.get(COOKIE, ""), now=visit.now)
        response = visit.redirect("/keluar")
        response.delete_cookie(COOKIE, path=DESK_PATH, secure=desk.secure_cookie, httponly=True, samesite="strict")
        return response

    async def signed_out(_: Request) -> Response:
        return public_page(desk, "signing_in/signed_out.html", left=True)

    return [
        Route("/masuk", link_page, methods=["GET"]),
        Route("/masuk", use_link, methods=["POST"]),
        page_route(desk, "/keluar/kirim", sign_out, methods=("POST",)),
        Route("/keluar", signed_out, methods=["GET"]),
    ]


def _from_another_site(request: Request) -> bool:
    """The button on our own page sends this form; a browser says where a form came from (Sec-Fetch-Site,
    Origin). A form from another site could sign the browser in as that site's officer (login CSRF)."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return True
    origin = request.headers.get("origin", "null")  # "null" under our Referrer-Policy: no-referrer
    return origin != "null" and urlsplit(origin).netloc != request.headers.get("host", "")
