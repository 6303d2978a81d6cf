"""Audit chain endpoints for auditors and administrators: verify the hash chain, search the log (every read audited)."""

from __future__ import annotations

from starlette.requests import Request

from auth.permissions import requires
from auth.sessions import SessionInfo
from backend.auditlog import service
from backend.auditlog.schemas import AuditPage, AuditQuery, LatestVerification, VerificationOut
from backend.kit.api import API

api = API(prefix="/api/v1")
AUDITOR = requires(roles=("auditor", "admin"))


@api.get(
    "/admin/audit",
    summary="Search the audit log by object (type, id) or by person (as actor or subject), newest first; masked (auditor, admin; audited)",
    tags=["audit"],
    query=AuditQuery,
    response=AuditPage,
    wrappers=[AUDITOR],
)
async def audit_search(request: Request, *, query: AuditQuery, session: SessionInfo) -> AuditPage:
    return await service.search(query=query, by=session)


@api.post(
    "/admin/audit/verify",
    summary="Start verifying the audit hash chain in the background (202); poll it by id (auditor, admin; audited)",
    tags=["audit"],
    response=VerificationOut,
    status=202,
    errors=[service.VerificationRunning],
    wrappers=[AUDITOR],
)
async def audit_verify_start(request: Request, *, session: SessionInfo) -> VerificationOut:
    return await service.start_verification(by=session)


@api.get(
    "/admin/audit/verify",
    summary="The running or most recent verification of the audit chain (auditor, admin)",
    tags=["audit"],
    response=LatestVerification,
    wrappers=[AUDITOR],
)
async def audit_verify_latest(request: Request, *, session: SessionInfo) -> LatestVerification:
    return await service.latest_verification()


@api.get(
    "/admin/audit/verify/{verification_id}",
    summary="One verification of the audit chain: its progress, then its result and problems (auditor, admin)",
    tags=["audit"],
    response=VerificationOut,
    errors=[service.VerificationNotFound],
    wrappers=[AUDITOR],
)
async def audit_verify_get(request: Request, *, session: SessionInfo) -> VerificationOut:
    return await service.verification(verification_id=request.path_params["verification_id"])
