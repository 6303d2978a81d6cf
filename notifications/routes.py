"""HTTP endpoints of notifications: inbox, preferences, push subscriptions, WeChat credits, the stream."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from auth.permissions import requires
from auth.sessions import SessionInfo
from backend.kit import errors
from backend.kit.api import API, anyone
from notifications import inbox, push, stream
from notifications.dispatcher import retry_delivery
from notifications.outbox import present
from notifications.schemas import (
    DeliveryList,
    DeliveryOut,
    DeliveryQuery,
    MarkedOut,
    NotificationPage,
    PageQuery,
    Preferences,
    PushEndpoint,
    PushSubscriptionIn,
    PushSubscriptionList,
    PushSubscriptionOut,
    UnreadOut,
    VapidKeyOut,
    WeChatCredits,
    WeChatGrant,
)

api = API(prefix="/api/v1")


class BadLastEventId(errors.BadRequest, code="stream.bad_last_event_id"):
    zh = "续传位置无效|Last-Event-ID 必须是消息编号（正整数）。"
    en = "Invalid Last-Event-ID|Last-Event-ID must be a notification id (a positive integer)."


def _person(session: SessionInfo) -> int:
    assert session.person_id is not None  # requires(verified=True)
    return session.person_id


@api.get(
    "/notifications",
    summary="My inbox, newest first",
    tags=["notifications"],
    query=PageQuery,
    response=NotificationPage,
    wrappers=[requires(verified=True)],
)
async def list_notifications(request: Request, *, query: PageQuery, session: SessionInfo) -> NotificationPage:
    items, next_before = await inbox.page(person_id=_person(session), before=query.before, limit=query.limit)
    return NotificationPage.model_validate({"items": [present(n) for n in items], "next_before": next_before})


@api.get(
    "/notifications/unread-count",
    summary="How many inbox items are unread",
    tags=["notifications"],
    response=UnreadOut,
    wrappers=[requires(verified=True)],
)
async def unread_count(request: Request, *, session: SessionInfo) -> UnreadOut:
    return UnreadOut(unread=await inbox.unread_count(person_id=_person(session)))


@api.post(
    "/notifications/{notification_id:int}/read",
    summary="Mark one inbox item read",
    tags=["notifications"],
    status=204,
    errors=[inbox.NotificationNotFound],
    wrappers=[requires(verified=True)],
)
async def mark_read(request: Request, *, session: SessionInfo) -> Response:
    await inbox.mark_read(person_id=_person(session), notification_id=request.path_params["notification_id"])
    return Response(status_code=204)


@api.post(
    "/notifications/read-all",
    summary="Mark every inbox item read",
    tags=["notifications"],
    response=MarkedOut,
    wrappers=[requires(verified=True)],
)
async def mark_all_read(request: Request, *, session: SessionInfo) -> MarkedOut:
    return MarkedOut(marked=await inbox.mark_all_read(person_id=_person(session)))


def _prefs(p) -> Preferences:
    return Preferences(
        wechat=p.wechat, webpush=p.webpush, sms=p.sms, quiet_hours=p.quiet_hours, quiet_start=p.quiet_start, quiet_end=p.quiet_end
    )


@api.get(
    "/me/notification-preferences",
    summary="My channels and quiet hours",
    tags=["notifications"],
    response=Preferences,
    wrappers=[requires(verified=True)],
)
async def get_preferences(request: Request, *, session: SessionInfo) -> Preferences:
    return _prefs(await inbox.preferences(_person(session)))


@api.put(
    "/me/notification-preferences",
    summary="Choose my channels and quiet hours (critical notices always also by SMS)",
    tags=["notifications"],
    body=Preferences,
    response=Preferences,
    wrappers=[requires(verified=True)],
)
async def put_preferences(request: Request, *, body: Preferences, session: SessionInfo) -> Preferences:
    return _prefs(await inbox.set_preferences(person_id=_person(session), values=body.model_dump()))


@api.post(
    "/me/wechat-subscriptions",
    summary="Report what I accepted in wx.requestSubscribeMessage (one send per accept)",
    tags=["notifications"],
    body=WeChatGrant,
    response=WeChatCredits,
    errors=[inbox.UnknownTemplate],
    wrappers=[requires(verified=True)],
)
async def grant_wechat(request: Request, *, body: WeChatGrant, session: SessionInfo) -> WeChatCredits:
    accepted = [template for template, answer in body.results.items() if answer == "accept"]
    return WeChatCredits(credits=await inbox.grant_wechat(person_id=_person(session), accepted=accepted))


@api.get(
    "/push/vapid-public-key",
    summary="The applicationServerKey for PushManager.subscribe()",
    tags=["notifications"],
    response=VapidKeyOut,
    errors=[push.PushNotConfigured],
    wrappers=[anyone],
)
async def vapid_public_key(request: Request) -> VapidKeyOut:
    return VapidKeyOut(public_key=push.public_key(push.vapid()))


@api.post(
    "/push/subscriptions",
    summary="Register this browser for Web Push",
    tags=["notifications"],
    body=PushSubscriptionIn,
    response=PushSubscriptionOut,
    status=201,
    errors=[push.PushNotConfigured, push.EndpointNotAllowed, push.SubscriptionInvalid],
    wrappers=[requires(verified=True)],
)
async def subscribe(request: Request, *, body: PushSubscriptionIn, session: SessionInfo) -> PushSubscriptionOut:
    row = await push.subscribe(
        person_id=_person(session),
        endpoint=body.endpoint,
        p256dh=body.keys.p256dh,
        auth=body.keys.auth,
        user_agent=request.headers.get("user-agent", ""),
    )
    return PushSubscriptionOut(id=row.id, endpoint=row.endpoint, created_at=row.created_at)


@api.get(
    "/push/subscriptions",
    summary="My browsers registered for Web Push",
    tags=["notifications"],
    response=PushSubscriptionList,
    wrappers=[requires(verified=True)],
)
async def list_subscriptions(request: Request, *, session: SessionInfo) -> PushSubscriptionList:
    rows = await push.subscriptions(person_id=_person(session))
    return PushSubscriptionList(items=[PushSubscriptionOut(id=r.id, endpoint=r.endpoint, created_at=r.created_at) for r in rows])


@api.delete(
    "/push/subscriptions",
    summary="Unregister a browser from Web Push",
    tags=["notifications"],
    body=PushEndpoint,
    status=204,
    errors=[push.SubscriptionNotFound],
    wrappers=[requires(verified=True)],
)
async def unsubscribe(request: Request, *, body: PushEndpoint, session: SessionInfo) -> Response:
    await push.unsubscribe(person_id=_person(session), endpoint=body.endpoint)
    return Response(status_code=204)


# One Server-Sent Event (OpenAPI 3.0/3.1 describe the per-event shape under `schema`): data is the
# notification as JSON, event its kind, id the notification id for Last-Event-ID.
SSE_EVENT = {
    "type": "object",
    "required": ["data"],
    "properties": {
        "data": {"type": "string", "contentMediaType": "application/json"},
        "event": {"type": "string"},
        "id": {"type": "string", "pattern": "^[0-9]{1,18}$"},
        "retry": {"type": "integer"},
    },
}


@api.get(
    "/stream",
    summary="Server-Sent Events: my new notifications and case updates (resume with Last-Event-ID)",
    tags=["notifications"],
    content={"text/event-stream": {"schema": SSE_EVENT}},
    errors=[BadLastEventId],
    wrappers=[requires(verified=True)],
)
async def live_stream(request: Request, *, session: SessionInfo) -> Response:
    raw = request.headers.get("last-event-id") or request.query_params.get("last_event_id")
    last_event_id = None
    if raw:
        if not raw.isdigit() or len(raw) > 18:
            raise BadLastEventId()
        last_event_id = int(raw)
    return stream.response(_person(session), last_event_id)


@api.get(
    "/admin/deliveries",
    summary="Deliveries by status (the dead-letter queue by default)",
    tags=["admin"],
    query=DeliveryQuery,
    response=DeliveryList,
    wrappers=[requires(roles=("admin",))],
)
async def list_deliveries(request: Request, *, query: DeliveryQuery, session: SessionInfo) -> DeliveryList:
    rows = await inbox.deliveries(status=query.status, limit=query.limit)
    return DeliveryList(
        items=[
            DeliveryOut(
                id=d.id,
                notification_id=d.notification_id,
                person_id=d.notification.person_id,
                event=d.notification.event,
                channel=d.channel,
                status=d.status,
                attempts=d.attempts,
                last_error=d.last_error,
                next_attempt_at=d.next_attempt_at,
                created_at=d.created_at,
            )
            for d in rows
        ]
    )


@api.post(
    "/admin/deliveries/{delivery_id:int}/retry",
    summary="Send a dead or failed delivery again",
    tags=["admin"],
    status=204,
    errors=[inbox.DeliveryNotFound],
    wrappers=[requires(roles=("admin",))],
)
async def retry(request: Request, *, session: SessionInfo) -> Response:
    if not await retry_delivery(request.path_params["delivery_id"], actor=f"person:{session.person_id}"):
        raise inbox.DeliveryNotFound()
    return Response(status_code=204)
