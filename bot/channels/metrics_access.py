"""Who may read GET /metrics. The figures name no person, but they tell anyone how busy the service is
and when it struggles, so they are not for the internet:

- with `JARING_METRICS_TOKEN` set, only a request carrying `Authorization: Bearer <token>` (compared
  in constant time); anything else is 401 — for a Prometheus that scrapes through the reverse proxy
  or from another machine;
- without it, only a request from this machine that did not come through a proxy (no
  X-Forwarded-For, Forwarded or X-Real-IP header: the reverse proxy on this machine connects from
  127.0.0.1 too, and adds one of them); anything else is 404, as if there were no such page."""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Mapping

__all__ = ["PROXY_HEADERS", "metrics_refusal"]

PROXY_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")


def metrics_refusal(headers: Mapping[str, str], client_host: str | None, token: str) -> int | None:
    """The status to refuse the request with, or None when it may read the metrics. `headers` with
    lower-case names (Starlette's `request.headers`)."""
    if token:
        scheme, _, given = headers.get("authorization", "").partition(" ")
        # Header values arrive as Latin-1 text: back to their bytes, to compare with the token's.
        matches = hmac.compare_digest(given.strip().encode("latin-1"), token.encode())
        return None if scheme.lower() == "bearer" and matches else 401
    if any(name in headers for name in PROXY_HEADERS) or not _loopback(client_host):
        return 404
    return None


def _loopback(host: str | None) -> bool:
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:  # no address (a Unix socket): not known to be this machine
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback
