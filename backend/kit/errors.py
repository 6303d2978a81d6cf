"""Typed service errors and their RFC 9457 problem+json rendering (Chinese first, English on request).

One class per failure, declared in three lines: the kind of failure as the base class (its HTTP
status), the stable code, and the text in each language as "title|detail"::

    class ApplicationNotFound(errors.NotFound, code="application.not_found"):
        zh = "找不到该办件|没有找到这个办件，或您无权查看。"
        en = "Application not found|There is no such application, or you may not see it."

The detail may name parameters (``{retry_after}``) given when raising; it never carries free text,
so the code alone tells the client which failure it met.
"""

from __future__ import annotations

from string import Formatter
from typing import Any, ClassVar

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://yiwang.example.org/problems/"


class ServiceError(Exception):
    """A failure the caller can act on: stable ``code``, HTTP status, Chinese and English text."""

    code: ClassVar[str] = ""
    status: ClassVar[int] = 400
    zh: ClassVar[str] = "请求有误"
    en: ClassVar[str] = "Bad request"
    title_zh: ClassVar[str] = "请求有误"
    title_en: ClassVar[str] = "Bad request"
    detail_zh: ClassVar[str] = ""
    detail_en: ClassVar[str] = ""
    _names: ClassVar[frozenset[str]] = frozenset()  # the {parameters} the text names

    def __init_subclass__(cls, *, code: str | None = None, status: int | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status = status
        if code is None:
            if status is None:
                raise TypeError(f"{cls.__name__}: a failure needs its own code= (or status= for a kind of failure)")
            cls.code = ""  # a kind of failure (NotFound, Conflict…): its subclasses are raised
            return
        own = vars(cls)
        if "zh" not in own or "en" not in own:
            raise TypeError(f"{cls.__name__}: declare zh = and en = ('title|detail') beside code={code!r}")
        cls.code = code
        cls.title_zh, _, cls.detail_zh = own["zh"].partition("|")
        cls.title_en, _, cls.detail_en = own["en"].partition("|")
        cls._names = frozenset(name for text in (cls.detail_zh, cls.detail_en) for _, name, _, _ in Formatter().parse(text) if name)

    def __init__(self, *, errors: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None, **params: Any) -> None:
        if not self.code:
            raise TypeError(f"{type(self).__name__} is a kind of failure; raise one of its subclasses")
        if unnamed := params.keys() - self._names:
            # Text the declaration does not name would be lost: another failure needs its own class.
            raise TypeError(f"{type(self).__name__} takes no {', '.join(sorted(unnamed))}")
        self.params = params
        self.field_errors = errors or []
        self.headers = headers or {}
        self._detail_zh = self.detail_zh.format(**params)
        self._detail_en = self.detail_en.format(**params)
        super().__init__(f"{self.code}: {self._detail_en or self.title_en}")

    def problem(self, *, english: bool, instance: str | None = None) -> dict[str, Any]:
        """The problem+json body for this error."""
        body: dict[str, Any] = {
            "type": TYPE_BASE + self.code,
            "title": self.title_en if english else self.title_zh,
            "status": self.status,
            "detail": (self._detail_en if english else self._detail_zh) or (self.title_en if english else self.title_zh),
            "code": self.code,
        }
        if instance:
            body["instance"] = instance
        if self.field_errors:
            body["errors"] = [
                {k: v for k, v in e.items() if k not in ("message_zh", "message_en")}
                | {"message": e["message_en"] if english else e["message_zh"]}
                for e in self.field_errors
            ]
        return body


# Kinds of failure: the base class gives the HTTP status; the failures themselves subclass them.
class BadRequest(ServiceError, status=400):
    """The request cannot be read as sent."""


class Unauthorized(ServiceError, status=401):
    """Who is asking is not established."""


class Forbidden(ServiceError, status=403):
    """The caller is known but may not do this."""


class Conflict(ServiceError, status=409):
    """Not possible in the record's current state."""


class Invalid(ServiceError, status=422):
    """Well-formed, but the content is refused."""


class TooMany(ServiceError, status=429):
    """Too many attempts; the detail or Retry-After says when to try again."""


class NotFound(ServiceError, status=404, code="not_found"):
    zh = "找不到该页面或记录|您访问的地址不存在，或记录已被删除。"
    en = "Not found|The address does not exist, or the record was removed."


class Unavailable(ServiceError, status=503, code="unavailable"):
    zh = "服务暂不可用"
    en = "Service unavailable"


class BrokerUnavailable(Unavailable, code="broker.unavailable"):
    zh = "服务暂时不可用|系统临时故障，此项操作暂停办理，请 {retry_after} 秒后再试。"
    en = "Temporarily unavailable|A part of the system is down and this is paused. Try again in {retry_after} seconds."

    def __init__(self, *, retry_after: int = 5) -> None:
        super().__init__(retry_after=retry_after, headers={"Retry-After": str(retry_after)})


class MalformedJSON(BadRequest, code="request.malformed_json"):
    zh = "请求内容不是有效的 JSON|请检查提交的数据格式后重试。"
    en = "The request body is not valid JSON|Check the format of the submitted data and try again."


class MalformedRequest(BadRequest, code="request.malformed"):
    zh = "请求格式有误"
    en = "Malformed request"


class ValidationFailed(Invalid, code="request.invalid"):
    zh = "填写的内容有误|请按提示修改后重新提交。"
    en = "Some fields are invalid|Correct the fields listed and submit again."


class UnsupportedMediaType(ServiceError, status=415, code="request.unsupported_media_type"):
    zh = "不支持的内容类型|请以 {expected} 格式提交。"
    en = "Unsupported media type|Send the body as {expected}."


class PayloadTooLarge(ServiceError, status=413, code="request.too_large"):
    zh = "提交的内容过大|提交的内容超过 {limit} 字节的上限。"
    en = "Request body too large|The body exceeds the limit of {limit} bytes."


class MethodNotAllowed(ServiceError, status=405, code="method_not_allowed"):
    zh = "不支持该操作"
    en = "Method not allowed"


class RateLimited(TooMany, code="rate_limited"):
    zh = "操作太频繁|请 {retry_after} 秒后再试。"
    en = "Too many requests|Try again in {retry_after} seconds."


class InternalError(ServiceError, status=500, code="internal"):
    zh = "系统繁忙|系统暂时出了问题，您填写的内容没有丢失，请稍后重试。如仍有问题，请告知工作人员编号 {request_id}。"
    en = "Internal error|Something went wrong on our side; nothing you entered was lost. Please retry later; reference {request_id}."


def wants_english(accept_language: str | None) -> bool:
    """True when the client prefers English over Chinese (Chinese is the default)."""
    if not accept_language:
        return False
    best_lang, best_q = "zh", -1.0
    for part in accept_language.split(","):
        piece = part.strip().split(";")
        lang = piece[0].strip().lower()
        q = 1.0
        for param in piece[1:]:
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if lang.startswith(("zh", "en")) and q > best_q:
            best_lang, best_q = lang, q
    return best_lang.startswith("en")
