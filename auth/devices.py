"""How "my devices" describe a session: browser, system and phone model from the user agent (ua-parser),
and the kind of network it came from with a masked address. No place is ever guessed from an address."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from ua_parser import parse

Network = Literal["loopback", "private", "public", "unknown"]
# Device names that say nothing: Chrome's reduced user agent reports every Android phone as "K".
_NO_MODEL = {"", "K", "Other", "Generic", "Generic Smartphone", "Generic Feature Phone", "Generic Tablet", "Spider"}
# RFC 1918 and unique-local IPv6: a home, office or hall network (ipaddress's is_private also
# counts documentation and reserved ranges, which no LAN uses).
_PRIVATE = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")]
_WECHAT = re.compile(r"MicroMessenger/(\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class UserAgent:
    browser: str  # "Chrome Mobile 120", "WeChat 8.0"; "" if unknown
    os: str  # "Android 13", "iOS 17.1"; "" if unknown
    model: str  # "Oppo PFDM00", "Apple iPhone"; "" when the string does not name one
    wechat: bool  # inside WeChat (its in-app browser or the mini-program)


def _version(*parts: str | None) -> str:
    return ".".join(p for p in parts if p)


@lru_cache(maxsize=512)
def describe(user_agent: str) -> UserAgent:
    """Browser, system and model named by a User-Agent string (empty parts when it does not say)."""
    result = parse(user_agent)
    browser = ""
    if wechat := _WECHAT.search(user_agent):
        browser = f"WeChat {wechat.group(1)}"
    elif result.user_agent is not None and result.user_agent.family != "Other":
        browser = f"{result.user_agent.family} {result.user_agent.major or ''}".strip()
    os = ""
    if result.os is not None and result.os.family != "Other":
        os = f"{result.os.family} {_version(result.os.major, result.os.minor)}".strip()
    model = ""
    if result.device is not None and result.device.model not in _NO_MODEL and result.device.family not in _NO_MODEL:
        brand = result.device.brand or ""
        model_name = result.device.model or result.device.family
        # "Generic_Android" and friends are ua-parser's placeholders, not makers.
        model = model_name if not brand or brand.startswith("Generic") or model_name.startswith(brand) else f"{brand} {model_name}"
    return UserAgent(browser=browser, os=os, model=model, wechat=wechat is not None)


def network_kind(address: str) -> Network:
    """Which kind of network a client address belongs to: this machine, a private network, the internet."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local or any(ip in net for net in _PRIVATE if net.version == ip.version):
        return "private"
    # Documentation, reserved and carrier-internal ranges are neither a LAN nor the internet: say nothing.
    return "public" if ip.is_global else "unknown"


def mask_address(address: str) -> str:
    """The network part only: 203.0.*.* for IPv4, the first two groups for IPv6."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv4Address):
        return ".".join(str(ip).split(".")[:2] + ["*", "*"])
    groups = ip.exploded.split(":")[:2]
    return ":".join(g.lstrip("0") or "0" for g in groups) + ":*"
