"""The typed failures of identity: stable codes, Chinese first."""

from __future__ import annotations

from backend.kit import errors


class NotAuthenticated(errors.Unauthorized, code="auth.not_authenticated"):
    zh = "请先登录|登录已过期或尚未登录，请重新登录。"
    en = "Login required|You are not logged in, or your session has expired."


class SessionRevoked(errors.Unauthorized, code="auth.session_revoked"):
    zh = (
        "您已在其他设备上被退出登录|这台设备已在您的另一台设备上被退出登录。"
        "请重新登录；如果不是您本人操作，登录后请到“我的 → 登录设备”退出不认识的设备。"
    )
    en = (
        "Signed out from another device|This device was signed out from another of your devices. Log in again; "
        "if that was not you, sign out any device you do not know under Me → Devices."
    )


class Forbidden(errors.Forbidden, code="auth.forbidden"):
    zh = "没有权限|您的账号没有办理此项操作的权限。"
    en = "Forbidden|Your account may not do this."


class IdentityRequired(errors.Forbidden, code="auth.identity_required"):
    zh = "请先完成实名认证|办理此项业务前，请先填写姓名和身份证号完成实名认证。"
    en = "Real-name verification required|Verify your name and ID number first."


class AssuranceRequired(errors.Forbidden, code="auth.assurance_required"):
    zh = (
        "需要更高级别的实名核验|办理此事项需要核验您本人的身份："
        "请用登记在您本人名下的手机号登录后重新实名（运营商核验），或携带身份证到窗口核验。"
    )
    en = (
        "Stronger identity proof required|This item needs stronger proof of identity: "
        "verify with a phone registered in your name, or show your ID card at a service window."
    )


class SecondFactorRequired(errors.Forbidden, code="auth.second_factor_required"):
    zh = "需要短信验证|工作人员账号需要用密码和短信验证码登录。"
    en = "Second factor required|Staff accounts must log in with password and SMS code."


class CsrfFailed(errors.Forbidden, code="auth.csrf_failed"):
    zh = "页面已过期|页面已过期，请刷新页面后重试。"
    en = "CSRF check failed|Reload the page and try again."


class CodeInvalid(errors.Unauthorized, code="auth.code_invalid"):
    zh = "验证码不正确|验证码不正确，请核对短信中的 6 位数字后重新输入。"
    en = "Wrong code|The code is wrong; check the 6 digits in the text message and enter them again."


class CodeLocked(errors.Unauthorized, code="auth.code_locked"):
    zh = "验证码已失效|验证码输错次数太多，这个验证码已失效，请重新获取验证码。"
    en = "Code no longer valid|Too many wrong tries: this code no longer works; request a new code."


class CodeExpired(errors.Unauthorized, code="auth.code_expired"):
    zh = "验证码已失效|这个验证码已过期或已使用，请重新获取验证码。"
    en = "Code no longer valid|This code has expired or was already used; request a new code."


class TooManyRequests(errors.TooMany, code="auth.rate_limited"):
    zh = "操作太频繁|操作太频繁，请 {retry_after} 秒后再试。"
    en = "Too many requests|Too many requests; try again in {retry_after} seconds."

    def __init__(self, *, retry_after: int) -> None:
        super().__init__(retry_after=retry_after, headers={"Retry-After": str(retry_after)})


class LoginThrottled(errors.TooMany, code="auth.login_throttled"):
    zh = "登录尝试太多|登录尝试太多，请 {wait_zh}后再试；如忘记密码，请联系管理员重置。"
    en = "Too many login attempts|Too many login attempts; try again in {wait_en}, or ask an administrator to reset your password."

    def __init__(self, *, retry_after: int) -> None:
        minutes = -(-retry_after // 60)
        wait_zh, wait_en = (
            (f"{retry_after} 秒", f"{retry_after} seconds") if retry_after < 60 else (f"{minutes} 分钟", f"{minutes} minutes")
        )
        super().__init__(wait_zh=wait_zh, wait_en=wait_en, headers={"Retry-After": str(retry_after)})


class BadCredentials(errors.Unauthorized, code="auth.bad_credentials"):
    zh = "手机号或密码错误|手机号或密码错误，请核对后重试。"
    en = "Wrong phone number or password|The phone number or password is wrong."


class IdentityMismatch(errors.Conflict, code="auth.identity_mismatch"):
    zh = "账号已实名为他人|当前账号已经实名认证为另一个人，不能再绑定这个身份证号。如有疑问请联系工作人员。"
    en = "Account already verified as someone else|This account is already verified as another person."


class SessionNotFound(errors.NotFound, code="auth.session_not_found"):
    zh = "找不到该设备"
    en = "Session not found"


class ConsentRequired(errors.Forbidden, code="auth.consent_required"):
    zh = "请先阅读并同意|继续使用前，请阅读并同意最新的《用户协议》和《隐私政策》。"
    en = "Consent required|Read and agree to the current terms of use and privacy policy to go on."


class IdNumberConsentRequired(errors.Invalid, code="auth.id_number_consent_required"):
    zh = "请单独同意处理身份证号码|身份证号码是敏感个人信息，请阅读《身份证号码处理单独同意书》并勾选同意后再提交。"
    en = "Separate consent required|Your ID number is sensitive personal data: read the consent to its processing and agree to it first."


class DocumentOutdated(errors.Conflict, code="auth.document_outdated"):
    zh = "协议已更新|您同意的协议版本已不是最新，请阅读最新版本后再同意。"
    en = "Document updated|The version you agreed to is not the current one; read the current version and agree again."


class DocumentNotFound(errors.NotFound, code="auth.document_not_found"):
    zh = "找不到该文件|没有这个协议或这个版本。"
    en = "Document not found|There is no such document or version."


class AccountDisabled(errors.Forbidden, code="auth.account_disabled"):
    zh = "账号已停用|这个账号已被管理员停用，无法登录。如有疑问，请联系所在单位的管理员。"
    en = "Account disabled|An administrator has disabled this account; it cannot sign in."
