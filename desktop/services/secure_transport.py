"""Which central server URLs the desktop may talk to: https anywhere, plain http only to loopback
(a local demo or a test) unless an administrator allows it (`Settings.allow_insecure_http`)."""

from __future__ import annotations

import httpx

from calldesk_domain.loopback import is_loopback


def is_loopback_url(url: str) -> bool:
    return is_loopback(httpx.URL(url).host or "")


def insecure_transport_problem(url: str, allow_insecure_http: bool) -> str | None:
    """Why the desktop refuses this server URL, or None."""
    if httpx.URL(url).scheme != "http" or allow_insecure_http or is_loopback_url(url):
        return None
    return (
        f"The central server address {url} uses plain http://: your password and customer data would "
        "cross the network unencrypted. Use https://, or ask your administrator to allow plain HTTP "
        "in the settings."
    )
