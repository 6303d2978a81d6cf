"""Application endpoints: the resident's drafts and cases, public tracking, the staff queue."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from auth.errors import AssuranceRequired, TooManyRequests
from auth.otp import limit
from auth.permissions import requires
from auth.sessions import SessionInfo
from backend.applications import service as applications
from backend.applications import tracking
from backend.applications.flows import APPLICATION
from backend.applications.schemas import (
    ApplicationCreate,
    ApplicationList,
    ApplicationOut,
    AttachIn,
    CertificateCheck,
    CorrectionRequest,
    Decision,
    FormUpdate,
    IssueCertificate,
    PrefillOut,
    Rejection,
    StaffQueueQuery,
    TrackOut,
    TrackQuery,
)
from backend.catalog.service import ServiceNotFound
from backend.kit.api import API, anyone
from backend.kit.files import file_response
from backend.kit.http import client_network
from backend.kit.idempotency import HEADER_PARAMETER, idempotent
from backend.materials.service import MaterialNotFound

api = API(prefix="/api/v1")


def _id(request: Request) -> int:
    return request.path_params["application_id"]


@api.post(
    "/applications",
    summary="Start an application (201), or get my open draft of this item back as it is (200)",
    tags=["applications"],
    body=ApplicationCreate,
    response=ApplicationOut,
    status=201,
    also=[200],
    errors=[ServiceNotFound, applications.FormInvalid, AssuranceRequired, applications.ConditionUnmet, applications.DraftBusy],
    wrappers=[requires(verified=True, acting=True)],
)
async def create_application(request: Request, *, body: ApplicationCreate, session: SessionInfo) -> JSONResponse:
    # One open draft per person and item: a retry or a second tap resumes the draft, never a second one.
    application, created = await applications.create_draft(session=session, service_code=body.service_code, form=body.form)
    return JSONResponse((await applications.present(application)).model_dump(mode="json"), status_code=201 if created else 200)


@api.get(
    "/applications",
    summary="My applications",
    tags=["applications"],
    response=ApplicationList,
    wrappers=[requires(verified=True, acting=True)],
)
async def my_applications(request: Request, *, session: SessionInfo) -> ApplicationList:
    return ApplicationList(items=await applications.present_many(await applications.mine(session=session)))


@api.get(
    "/services/{code}/prefill",
    summary="Form values from my identity and earlier applications (一表申请)",
    tags=["applications"],
    response=PrefillOut,
    errors=[ServiceNotFound],
    wrappers=[requires(verified=True, acting=True)],
)
async def prefill(request: Request, *, session: SessionInfo) -> PrefillOut:
    return PrefillOut(values=await applications.prefill(session=session, service_code=request.path_params["code"]))


@api.get(
    "/applications/{application_id:int}",
    summary="One application with its timeline",
    tags=["applications"],
    response=ApplicationOut,
    errors=[applications.ApplicationNotFound],
    wrappers=[requires(acting=True)],
)
async def get_application(request: Request, *, session: SessionInfo) -> ApplicationOut:
    return await applications.present(await applications.read(session=session, application_id=_id(request)))


@api.put(
    "/applications/{application_id:int}/form",
    summary="Autosave the form of a draft or a case awaiting corrections",
    tags=["applications"],
    body=FormUpdate,
    response=ApplicationOut,
    errors=[applications.ApplicationNotFound, applications.FormInvalid, APPLICATION.error],
    wrappers=[requires(verified=True, acting=True)],
)
async def save_form(request: Request, *, body: FormUpdate, session: SessionInfo) -> ApplicationOut:
    return await applications.present(await applications.save_form(session=session, application_id=_id(request), form=body.form))


@api.post(
    "/applications/{application_id:int}/submit",
    summary="Submit (or resubmit after corrections); retries are safe",
    tags=["applications"],
    response=ApplicationOut,
    headers=[HEADER_PARAMETER],
    errors=[
        applications.ApplicationNotFound,
        applications.FormInvalid,
        applications.MaterialsMissing,
        APPLICATION.error,
        AssuranceRequired,
        applications.ConditionUnmet,
        ServiceNotFound,
    ],
    wrappers=[requires(verified=True, acting=True), idempotent],
)
async def submit_application(request: Request, *, session: SessionInfo) -> ApplicationOut:
    return await applications.present(await applications.submit(session=session, application_id=_id(request)))


@api.post(
    "/applications/{application_id:int}/withdraw",
    summary="Withdraw before acceptance",
    tags=["applications"],
    response=ApplicationOut,
    errors=[applications.ApplicationNotFound, APPLICATION.error],
    wrappers=[requires(verified=True, acting=True)],
)
async def withdraw_application(request: Request, *, session: SessionInfo) -> ApplicationOut:
    return await applications.present(await applications.withdraw(session=session, application_id=_id(request)))


@api.get(
    "/track/{tracking_no}",
    summary="Public tracking by tracking number + last 4 phone digits",
    tags=["applications"],
    query=TrackQuery,
    response=TrackOut,
    errors=[tracking.TrackingNotFound, TooManyRequests],
    wrappers=[anyone],
)
async def track(request: Request, *, query: TrackQuery) -> TrackOut:
    network = client_network(request)
    await limit(f"track-ip:{network}", 3600, 120)
    return await tracking.track(tracking_no=request.path_params["tracking_no"], phone_last4=query.phone_last4, network=network)


@api.get(
    "/staff/applications",
    summary="Work queue (待办件) of the departments and halls I cover; view=finished for 已办结",
    tags=["staff"],
    query=StaffQueueQuery,
    response=ApplicationList,
    wrappers=[requires(roles=applications.REVIEWERS)],
)
async def staff_queue(request: Request, *, query: StaffQueueQuery, session: SessionInfo) -> ApplicationList:
    cases = await applications.queue(session=session, view=query.view, status=query.status, department=query.department)
    return ApplicationList(items=await applications.present_many(cases))


@api.post(
    "/staff/applications/{application_id:int}/accept",
    summary="受理",
    tags=["staff"],
    body=Decision,
    response=ApplicationOut,
    errors=[applications.ApplicationNotFound, applications.OwnFiling, APPLICATION.error],
    wrappers=[requires(roles=applications.REVIEWERS)],
)
async def accept(request: Request, *, body: Decision, session: SessionInfo) -> ApplicationOut:
    return await applications.present(await applications.accept(session=session, application_id=_id(request), note=body.note))


@api.post(
    "/staff/applications/{application_id:int}/request-correction",
    summary="一次性告知: ask for every correction at once",
    tags=["staff"],
    body=CorrectionRequest,
    response=ApplicationOut,
    errors=[applications.ApplicationNotFound, applications.OwnFiling, applications.UnknownCorrectionItem, APPLICATION.error],
    wrappers=[requires(roles=applications.REVIEWERS)],
)
async def request_correction(request: Request, *, body: CorrectionRequest, session: SessionInfo) -> ApplicationOut:
    return await applications.present(await applications.request_correction(session=session, application_id=_id(request), items=body.items))


@api.post(
    "/staff/applications/{application_id:int}/reject",
    summary="Refuse (不予受理 / 不予许可) with a reason",
    tags=["staff"],
    body=Rejection,
    response=ApplicationOut,
    errors=[applications.ApplicationNotFound, applications.OwnFiling, applications.ReasonRequired, APPLICATION.error],
    wrappers=[requires(roles=applications.REVIEWERS)],
)
async def reject(request: Request, *, body: Rejection, session: SessionInfo) -> ApplicationOut:
    return await applications.present(await applications.reject(session=session, application_id=_id(request), reason=body.reason))


@api.post(
    "/staff/applications/{application_id:int}/approve",
    summary="Approve (准予)",
    tags=["staff"],
    body=Decision,
    response=ApplicationOut,
    errors=[applications.ApplicationNotFound, applications.OwnFiling, APPLICATION.error],
    wrappers=[requires(roles=applications.DECIDERS)],
)
async def approve(request: Request, *, body: Decision, session: SessionInfo) -> ApplicationOut:
    return await applications.present(await applications.approve(session=session, application_id=_id(request), note=body.note))


@api.put(
    "/applications/{application_id:int}/materials/{material_key}",
    summary="Put a material from my library in a slot of the case, replacing the one there (a retake)",
    tags=["applications"],
    body=AttachIn,
    response=ApplicationOut,
    errors=[
        applications.ApplicationNotFound,
        applications.UnknownMaterialItem,
        applications.MaterialTrustTooLow,
        applications.MaterialExpired,
        MaterialNotFound,
        APPLICATION.error,
    ],
    wrappers=[requires(verified=True, acting=True)],
)
async def attach_material(request: Request, *, body: AttachIn, session: SessionInfo) -> ApplicationOut:
    application = await applications.attach_material(
        session=session, application_id=_id(request), material_key=request.path_params["material_key"], material_id=body.material_id
    )
    return await applications.present(application)


@api.delete(
    "/applications/{application_id:int}/materials/{material_key}/{material_id:int}",
    summary="Take a material out of its slot (it stays in my library); a slot refilled since is left as it is",
    tags=["applications"],
    response=ApplicationOut,
    errors=[applications.ApplicationNotFound, APPLICATION.error],
    wrappers=[requires(verified=True, acting=True)],
)
async def detach_material(request: Request, *, session: SessionInfo) -> ApplicationOut:
    application = await applications.detach_material(
        session=session,
        application_id=_id(request),
        material_key=request.path_params["material_key"],
        material_id=request.path_params["material_id"],
    )
    return await applications.present(application)


@api.get(
    "/applications/{application_id:int}/materials/{material_id:int}/file",
    summary="A material of a case (owner or reviewer)",
    tags=["applications"],
    content={"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
    errors=[applications.ApplicationNotFound, MaterialNotFound],
    wrappers=[requires(acting=True)],
)
async def attached_file(request: Request, *, session: SessionInfo) -> Response:
    path = await applications.attached_file(
        session=session, application_id=_id(request), material_id=request.path_params["material_id"], thumbnail=False
    )
    return file_response(path, media_type="image/jpeg", cache="private, no-store")


@api.get(
    "/applications/{application_id:int}/materials/{material_id:int}/thumbnail",
    summary="The thumbnail of a material of a case (owner or reviewer)",
    tags=["applications"],
    content={"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
    errors=[applications.ApplicationNotFound, MaterialNotFound],
    wrappers=[requires(acting=True)],
)
async def attached_thumbnail(request: Request, *, session: SessionInfo) -> Response:
    path = await applications.attached_file(
        session=session, application_id=_id(request), material_id=request.path_params["material_id"], thumbnail=True
    )
    return file_response(path, media_type="image/jpeg", cache="private, no-store")


@api.post(
    "/staff/applications/{application_id:int}/issue-certificate",
    summary="出证: issue the e-certificate of an approved case",
    tags=["staff"],
    body=IssueCertificate,
    response=ApplicationOut,
    errors=[applications.ApplicationNotFound, APPLICATION.error],
    wrappers=[requires(roles=applications.REVIEWERS)],
)
async def issue_certificate(request: Request, *, body: IssueCertificate, session: SessionInfo) -> ApplicationOut:
    application = await applications.issue_certificate(
        session=session, application_id=_id(request), name=body.name, expires_on=body.expires_on, base_url=str(request.base_url)
    )
    return await applications.present(application)


@api.get(
    "/certificates/{code}",
    summary="Public check of an e-certificate by its verification code",
    tags=["certificates"],
    response=CertificateCheck,
    errors=[applications.CertificateNotFound, TooManyRequests],
    wrappers=[anyone],
)
async def verify_certificate(request: Request) -> CertificateCheck:
    await limit(f"verify-ip:{client_network(request)}", 3600, 300)
    return CertificateCheck(**await applications.verify_certificate(code=request.path_params["code"]))


@api.get(
    "/applications/{application_id:int}/qr.{kind:str}",
    summary="QR code of the tracking page (qr.svg or qr.png)",
    tags=["applications"],
    content={"image/svg+xml": {"schema": {"type": "string"}}, "image/png": {"schema": {"type": "string", "format": "binary"}}},
    errors=[applications.ApplicationNotFound, applications.NotSubmitted],
    wrappers=[requires(acting=True)],
)
async def tracking_qr(request: Request, *, session: SessionInfo) -> Response:
    kind = request.path_params["kind"]
    if kind not in ("svg", "png"):
        raise applications.ApplicationNotFound()
    body = await applications.tracking_qr(session=session, application_id=_id(request), base_url=str(request.base_url), kind=kind)
    return Response(body, media_type="image/svg+xml" if kind == "svg" else "image/png", headers={"Cache-Control": "private, no-store"})


@api.post(
    "/staff/applications/{application_id:int}/trip",
    summary="Record a visit to the hall for this case (跑动次数)",
    tags=["staff"],
    response=ApplicationOut,
    errors=[applications.ApplicationNotFound, APPLICATION.error],
    wrappers=[requires(roles=applications.REVIEWERS)],
)
async def record_trip(request: Request, *, session: SessionInfo) -> ApplicationOut:
    return await applications.present(await applications.record_trip(session=session, application_id=_id(request)))


@api.post(
    "/staff/applications/{application_id:int}/collect",
    summary="领取: the resident took the certificate at the hall",
    tags=["staff"],
    response=ApplicationOut,
    errors=[applications.ApplicationNotFound, APPLICATION.error],
    wrappers=[requires(roles=applications.REVIEWERS)],
)
async def collect(request: Request, *, session: SessionInfo) -> ApplicationOut:
    return await applications.present(await applications.collect(session=session, application_id=_id(request)))
