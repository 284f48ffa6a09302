"""Whether a host name or address is this machine: the one rule behind "plain HTTP / no TLS only
on loopback" for the central server's CLI, the CTI bridge and the desktop's HTTP transport."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """True for "localhost" (any case) and a loopback address, bracketed IPv6 ("[::1]") included."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
