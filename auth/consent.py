"""Consent (知情同意, PIPL art. 13–17, 28–29): versioned documents and who agreed to which version.

Three documents, markdown files ``auth/documents/<document>/<version>.md`` (first line ``# title``),
plus any in ``YIWANG_LEGAL_DIR`` (same layout), read when the process starts; the highest
version of each is current. Every resident agrees to the current 用户协议 (terms) and 隐私政策
(privacy) before their session reaches personal data (``auth.permissions.authorize``); processing
the ID number (a sensitive item) needs its own consent (id_number), carried by the binding request.
Publishing a new version (a new file, then a restart) asks everyone again; for id_number, those who
gave the earlier one. Staff sessions (password + SMS) are exempt: they work under their employment.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from auth import sessions
from auth.errors import DocumentNotFound, DocumentOutdated, IdNumberConsentRequired
from auth.models import Consent
from auth.sessions import SessionInfo
from backend.kit import audit
from backend.kit.resources import current
from backend.kit.transactions import transaction

DOCUMENTS = ("terms", "privacy", "id_number")
AT_LOGIN = ("terms", "privacy")
VERSION = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(\.[0-9]{1,3})?$"  # the date it was published, .N for a second one that day
REPOSITORY_DIR = Path(__file__).resolve().parent / "documents"


@dataclass(frozen=True)
class Document:
    document: str
    version: str
    title: str
    body: str  # markdown after the title line: "## " headings, "- " items, paragraphs

    @property
    def key(self) -> str:
        return f"{self.document}:{self.version}"


def _order(version: str) -> tuple[str, int]:
    day, _, n = version.partition(".")
    return day, int(n or 0)


@dataclass(frozen=True)
class Library:
    """Every published version of each document."""

    versions: dict[str, dict[str, Document]]

    def current(self, document: str) -> Document:
        return self.versions[document][max(self.versions[document], key=_order)]

    def get(self, document: str, version: str | None = None) -> Document:
        if document not in self.versions or (version is not None and version not in self.versions[document]):
            raise DocumentNotFound()
        return self.current(document) if version is None else self.versions[document][version]


class DocumentError(RuntimeError):
    """A document file is malformed (the process refuses to start)."""


@functools.cache
def load(extra_dir: Path | None = None) -> Library:
    """Read the repository's documents and those in ``extra_dir`` (YIWANG_LEGAL_DIR); cached per process."""
    versions: dict[str, dict[str, Document]] = {d: {} for d in DOCUMENTS}
    for base in (REPOSITORY_DIR, extra_dir):
        if base is None:
            continue
        if not base.is_dir():
            raise DocumentError(f"YIWANG_LEGAL_DIR {base} is not a directory")
        for path in sorted(base.glob("*/*.md")):
            document, version = path.parent.name, path.stem
            if document not in versions or not re.match(VERSION, version):
                raise DocumentError(f"{path}: expected <{'|'.join(DOCUMENTS)}>/<YYYY-MM-DD[.N]>.md")
            title, _, body = path.read_text(encoding="utf-8").partition("\n")
            if not title.startswith("# ") or not body.strip():
                raise DocumentError(f"{path}: the first line must be '# title', then the text")
            versions[document][version] = Document(document, version, title[2:].strip(), body.strip())
    if missing := [d for d, v in versions.items() if not v]:
        raise DocumentError(f"no version of {', '.join(missing)}")
    return Library(versions)


def library() -> Library:
    return load(current().settings.legal_dir)


def required(session: SessionInfo) -> list[Document]:
    """The current documents this session must still agree to before it may go on (empty: none)."""
    if session.mfa:
        return []
    lib = library()
    wanted = list(AT_LOGIN)
    if any(key.startswith("id_number:") for key in session.consents):
        wanted.append("id_number")  # agreed to an earlier version: a new one asks again
    return [doc for doc in (lib.current(d) for d in wanted) if doc.key not in session.consents]


def check_current(accepted: Iterable[tuple[str, str]], *, needs: Sequence[str] = ()) -> None:
    """Refuse agreements to a version that is not current, or without one of ``needs``."""
    accepted = list(accepted)
    if any(document not in {d for d, _ in accepted} for document in needs):
        raise IdNumberConsentRequired()
    lib = library()
    if any(version != lib.current(document).version for document, version in accepted):
        raise DocumentOutdated()


async def record(*, accepted: Iterable[tuple[str, str]], account_id: int | None, person_id: int | None, actor: str) -> None:
    """Write each agreement (once per channel or person and version) and its audit entry, in the caller's transaction."""
    now = datetime.now(UTC)
    for document, version in dict(accepted).items():
        if await Consent.filter(account_id=account_id, person_id=person_id, document=document, version=version).exists():
            continue
        row = await Consent.create(account_id=account_id, person_id=person_id, document=document, version=version, accepted_at=now)
        await audit.record(
            actor=actor,
            subject=f"person:{person_id}" if person_id else None,
            action="consent.accepted",
            object_type="consent",
            object_id=row.id,
            detail={"document": document, "version": version},
        )


async def accept(*, session: SessionInfo, accepted: list[tuple[str, str]]) -> None:
    """The resident agrees to current versions (同意并继续); their sessions learn it at once."""
    check_current(accepted)
    async with transaction():
        await record(accepted=accepted, account_id=session.account_id, person_id=session.person_id, actor=session.principal.actor)
    await sessions.forget_cached(person_id=session.person_id, account_id=session.account_id)
