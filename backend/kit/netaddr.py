"""Client addresses as rate limits see them."""

from __future__ import annotations

import ipaddress


def network_of(host: str) -> str:
    """An IPv4 address as is; an IPv6 address by its /64, which one subscriber gets whole."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)
