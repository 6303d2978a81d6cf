"""Typed service errors and their RFC 9457 problem+json rendering (Chinese first, English on request)."""

from __future__ import annotations

from typing import Any, ClassVar

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://yiwang.example.org/problems/"


class ServiceError(Exception):
    """A failure the caller can act on: stable ``code``, HTTP status, Chinese and English text."""

    code: ClassVar[str] = "error"
    status: ClassVar[int] = 400
    title_zh: ClassVar[str] = "请求有误"
    title_en: ClassVar[str] = "Bad request"
    detail_zh: ClassVar[str] = ""
    detail_en: ClassVar[str] = ""

    def __init__(
        self,
        *,
        detail_zh: str | None = None,
        detail_en: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> None:
        self.params = params
        self.field_errors = errors or []
        self.headers = headers or {}
        self._detail_zh = detail_zh if detail_zh is not None else self.detail_zh.format(**params)
        self._detail_en = detail_en if detail_en is not None else self.detail_en.format(**params)
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


class MalformedJSON(ServiceError):
    code = "request.malformed_json"
    status = 400
    title_zh = "请求内容不是有效的 JSON"
    title_en = "The request body is not valid JSON"
    detail_zh = "请检查提交的数据格式后重试。"
    detail_en = "Check the format of the submitted data and try again."


class ValidationFailed(ServiceError):
    code = "request.invalid"
    status = 422
    title_zh = "填写的内容有误"
    title_en = "Some fields are invalid"
    detail_zh = "请按提示修改后重新提交。"
    detail_en = "Correct the fields listed and submit again."


class UnsupportedMediaType(ServiceError):
    code = "request.unsupported_media_type"
    status = 415
    title_zh = "不支持的内容类型"
    title_en = "Unsupported media type"
    detail_zh = "请以 {expected} 格式提交。"
    detail_en = "Send the body as {expected}."


class PayloadTooLarge(ServiceError):
    code = "request.too_large"
    status = 413
    title_zh = "提交的内容过大"
    title_en = "Request body too large"
    detail_zh = "提交的内容超过 {limit} 字节的上限。"
    detail_en = "The body exceeds the limit of {limit} bytes."


class NotFound(ServiceError):
    code = "not_found"
    status = 404
    title_zh = "找不到该页面或记录"
    title_en = "Not found"
    detail_zh = "您访问的地址不存在，或记录已被删除。"
    detail_en = "The address does not exist, or the record was removed."


class MethodNotAllowed(ServiceError):
    code = "method_not_allowed"
    status = 405
    title_zh = "不支持该操作"
    title_en = "Method not allowed"


class RateLimited(ServiceError):
    code = "rate_limited"
    status = 429
    title_zh = "操作太频繁"
    title_en = "Too many requests"
    detail_zh = "请 {retry_after} 秒后再试。"
    detail_en = "Try again in {retry_after} seconds."


class InternalError(ServiceError):
    code = "internal"
    status = 500
    title_zh = "系统繁忙"
    title_en = "Internal error"
    detail_zh = "系统暂时出了问题，您填写的内容没有丢失，请稍后重试。如仍有问题，请告知工作人员编号 {request_id}。"
    detail_en = "Something went wrong on our side; nothing you entered was lost. Please retry later; reference {request_id}."


class Unavailable(ServiceError):
    code = "unavailable"
    status = 503
    title_zh = "服务暂不可用"
    title_en = "Service unavailable"


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


class MalformedRequest(ServiceError):
    code = "request.malformed"
    status = 400
    title_zh = "请求格式有误"
    title_en = "Malformed request"
