"""The typed failures of identity: stable codes, Chinese first."""

from __future__ import annotations

from backend.kit.errors import ServiceError


class NotAuthenticated(ServiceError):
    code = "auth.not_authenticated"
    status = 401
    title_zh = "请先登录"
    title_en = "Login required"
    detail_zh = "登录已过期或尚未登录，请重新登录。"
    detail_en = "You are not logged in, or your session has expired."


class Forbidden(ServiceError):
    code = "auth.forbidden"
    status = 403
    title_zh = "没有权限"
    title_en = "Forbidden"
    detail_zh = "您的账号没有办理此项操作的权限。"
    detail_en = "Your account may not do this."


class IdentityRequired(ServiceError):
    code = "auth.identity_required"
    status = 403
    title_zh = "请先完成实名认证"
    title_en = "Real-name verification required"
    detail_zh = "办理此项业务前，请先填写姓名和身份证号完成实名认证。"
    detail_en = "Verify your name and ID number first."


class AssuranceRequired(ServiceError):
    code = "auth.assurance_required"
    status = 403
    title_zh = "需要更高级别的实名核验"
    title_en = "Stronger identity proof required"
    detail_zh = "办理此事项需要核验您本人的身份：请用登记在您本人名下的手机号登录后重新实名（运营商核验），或携带身份证到窗口核验。"
    detail_en = "This item needs stronger proof of identity: verify with a phone registered in your name, or show your ID card at a service window."


class SecondFactorRequired(ServiceError):
    code = "auth.second_factor_required"
    status = 403
    title_zh = "需要短信验证"
    title_en = "Second factor required"
    detail_zh = "工作人员账号需要用密码和短信验证码登录。"
    detail_en = "Staff accounts must log in with password and SMS code."


class CsrfFailed(ServiceError):
    code = "auth.csrf_failed"
    status = 403
    title_zh = "页面已过期"
    title_en = "CSRF check failed"
    detail_zh = "页面已过期，请刷新页面后重试。"
    detail_en = "Reload the page and try again."


class CodeInvalid(ServiceError):
    code = "auth.code_invalid"
    status = 401
    title_zh = "验证码不正确"
    title_en = "Wrong or expired code"
    detail_zh = "验证码不正确或已过期，请重新输入或重新获取。"
    detail_en = "The code is wrong or has expired."


class CodeLocked(ServiceError):
    code = "auth.code_locked"
    status = 401
    title_zh = "验证码错误次数太多"
    title_en = "Too many wrong codes"
    detail_zh = "验证码输错次数太多，请重新获取验证码。"
    detail_en = "Too many wrong tries; request a new code."


class TooManyRequests(ServiceError):
    code = "auth.rate_limited"
    status = 429
    title_zh = "操作太频繁"
    title_en = "Too many requests"
    detail_zh = "操作太频繁，请 {retry_after} 秒后再试。"
    detail_en = "Too many requests; try again in {retry_after} seconds."

    def __init__(self, *, retry_after: int) -> None:
        super().__init__(retry_after=retry_after, headers={"Retry-After": str(retry_after)})


class LoginThrottled(ServiceError):
    code = "auth.login_throttled"
    status = 429
    title_zh = "登录尝试太多"
    title_en = "Too many login attempts"
    detail_zh = "登录尝试太多，请 {wait_zh}后再试；如忘记密码，请联系管理员重置。"
    detail_en = "Too many login attempts; try again in {wait_en}, or ask an administrator to reset your password."

    def __init__(self, *, retry_after: int) -> None:
        minutes = -(-retry_after // 60)
        wait_zh, wait_en = (f"{retry_after} 秒", f"{retry_after} seconds") if retry_after < 60 else (f"{minutes} 分钟", f"{minutes} minutes")
        super().__init__(retry_after=retry_after, wait_zh=wait_zh, wait_en=wait_en, headers={"Retry-After": str(retry_after)})


class BadCredentials(ServiceError):
    code = "auth.bad_credentials"
    status = 401
    title_zh = "手机号或密码错误"
    title_en = "Wrong phone number or password"
    detail_zh = "手机号或密码错误，请核对后重试。"
    detail_en = "The phone number or password is wrong."


class IdentityMismatch(ServiceError):
    code = "auth.identity_mismatch"
    status = 409
    title_zh = "账号已实名为他人"
    title_en = "Account already verified as someone else"
    detail_zh = "当前账号已经实名认证为另一个人，不能再绑定这个身份证号。如有疑问请联系工作人员。"
    detail_en = "This account is already verified as another person."


class SessionNotFound(ServiceError):
    code = "auth.session_not_found"
    status = 404
    title_zh = "找不到该设备"
    title_en = "Session not found"
