"""What leaves the server: the event's fixed words, filled only with values that name nobody.

A Web Push shows on the lock screen, and WeChat and SMS carry the text through outside companies,
so their words are built here from the event kind (``events.py``) and the public fields alone:
the tracking number, the catalog item's name, a time, a hall. The inbox title and body, where a
clerk's note may name a person, have no path to this module; the details are read in the app
after login. As a second line, values that look like an ID number or a phone number are dropped
wherever they come from, and a link is a path of ids only.
"""

from __future__ import annotations

import logging
import re
import string
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from auth.idnumber import check_character
from backend.kit.pii import mask_id_number, mask_phone
from backend.kit.resources import current
from notifications.events import policy

log = logging.getLogger("yiwang.notifications")

# The fields a domain may give notify() for outside channels, with the longest value kept.
PUBLIC_FIELDS: dict[str, int] = {
    "reference": 32,  # tracking or waybill number
    "subject": 100,  # the catalog item (or certificate) name
    "time": 40,  # e.g. an appointment time, written by the domain
    "place": 60,  # a hall or window, from the catalog
}
# Used in the words when a field was not given (or was dropped).
DEFAULTS = {"subject": "您的办件", "reference": "—", "place": "办事大厅"}
# The words when even the rendered template looks personal (it cannot, unless a template is wrong).
FALLBACK_TITLE, FALLBACK_BODY = "一网通办", "您有一条新消息，请登录“一网通办”查看。"

_REFERENCE = re.compile(r"[A-Za-z0-9-]{1,32}")
_LINK = re.compile(r"/(?!/)[A-Za-z0-9/_-]{0,199}")
# An 18-character citizen ID number (GB 11643) anywhere in a text; the check character decides.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{17}[0-9Xx])(?![0-9A-Za-z])")
# A mainland mobile number, also as +86 / 86 and with spaces or hyphens as people write them.
_PHONE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?![0-9])")


def _is_id_number(candidate: str) -> bool:
    return check_character(candidate[:17]) == candidate[17].upper()


def personal_data(text: str) -> bool:
    """True if ``text`` holds a citizen ID number (valid check character) or a mobile number."""
    return bool(_PHONE.search(text)) or any(_is_id_number(m.group(1)) for m in _ID_NUMBER.finditer(text))


def mask(text: str) -> str:
    """``text`` with ID numbers and mobile numbers masked (110***********002X, 138****8000)."""
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(1).upper()) if _is_id_number(m.group(1)) else m.group(0), text)
    return _PHONE.sub(lambda m: mask_phone("".join(m.groups())), text)


def template_names(template: str) -> set[str]:
    """The ``{…}`` names a template uses."""
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def public_fields(fields: dict[str, Any] | None, *, event: str, strict: bool) -> dict[str, str]:
    """The values outside channels may show; ``strict`` (notify()) refuses a field that is not public.

    A value that looks personal, or a reference that is not a plain code, is dropped (logged
    without the value): the notice still goes out, with the event's default words.
    """
    kept: dict[str, str] = {}
    for key, value in (fields or {}).items():
        if key not in PUBLIC_FIELDS:
            if strict:
                raise ValueError(
                    f"{key!r} is not a public field of a notification (allowed: {', '.join(PUBLIC_FIELDS)}); "
                    "free text belongs in the inbox body"
                )
            continue
        text = " ".join(str(value if value is not None else "").split())[: PUBLIC_FIELDS[key]]
        if not text:
            continue
        if personal_data(text) or (key == "reference" and not _REFERENCE.fullmatch(text)):
            log.warning("notification field dropped: not fit to leave the server", extra={"event": event, "field": key})
            continue
        kept[key] = text
    return kept


def check_link(link: str | None) -> str | None:
    """A link is a path of this site made of ids (``/cases/42``): no query, no fragment, nothing personal."""
    if link is None:
        return None
    if not _LINK.fullmatch(link) or personal_data(link):
        raise ValueError("a notification link must be a path of ids such as /cases/42 (no query, no personal data)")
    return link


def local_time(moment: datetime) -> str:
    local = moment.astimezone(ZoneInfo(current().settings.timezone))
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


@dataclass(frozen=True)
class Outside:
    """One notification as the outside channels carry it."""

    title: str
    body: str
    url: str
    values: dict[str, str]  # subject, time, place, phrase, remark, and reference when there is one


def outside(notification: Any) -> Outside:
    """Build the outside words of a stored notification from its event and its public fields only.

    Reads ``event``, ``data["fields"]``, ``link``, ``created_at``; never ``title`` or ``body``.
    Rows written before this rule are filtered again here.
    """
    event = policy(notification.event)
    fields = public_fields((notification.data or {}).get("fields"), event=notification.event, strict=False)
    values = {"subject": DEFAULTS["subject"], "place": DEFAULTS["place"], "time": local_time(notification.created_at), **fields}
    words = {"reference": DEFAULTS["reference"], **values}
    title, body = event.title.format_map(words), event.body.format_map(words)
    if personal_data(title) or personal_data(body):
        title, body = FALLBACK_TITLE, FALLBACK_BODY
    link = notification.link
    url = link if link and _LINK.fullmatch(link) and not personal_data(link) else "/inbox"
    return Outside(title=title, body=body, url=url, values={**values, "phrase": event.phrase, "remark": event.remark})
