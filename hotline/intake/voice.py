"""The voice menu as TwiML, built with the SDK's classes. Mandarin prompts, all in one place.

Only presentation lives here: which choice leads where is decided by ``hotline.intake.calls``.
Action URLs are relative: Twilio resolves them against the public URL it requested, so they
stay under ``HOTLINE_PUBLIC_URL`` (which is what the signature check expects).
"""

from __future__ import annotations

from collections.abc import Iterable

from twilio.twiml.voice_response import VoiceResponse

LANGUAGE = "zh-CN"
MENU_URL = "/twilio/voice/menu"
DIAL_URL = "/twilio/voice/dial"
RECORDING_URL = "/twilio/voice/recording"
LOOKUP_CODE_URL = "/twilio/voice/lookup"
LOOKUP_SECRET_URL = "/twilio/voice/lookup/secret"

DIAL_TIMEOUT = 20  # seconds the operators' phones ring before voicemail
MAX_RECORDING = 300  # seconds
LOOKUP_TRIES = 3

GREETING = (
    "您好，这里是未成年人保护热线。"
    "如果有儿童正处于危险之中，请按1。"
    "报告困境儿童的情况，请按2。"
    "查询已报告事项的处理进度，请按3。"
    "无人接听时可以留言，留言会被录音，仅供热线工作人员处理报告使用。"
)
INVALID_CHOICE = "您的输入无效。"
CALL_110 = "如果儿童有生命危险，请同时拨打110报警或120急救。"
CONNECTING = "正在为您转接值班人员，请稍候。"
VOICEMAIL_PROMPT = (
    "值班人员暂时无法接听。请在提示音后留言，说明儿童所在的地点和情况，以及如何联系您。留言完毕请按井号键或直接挂机。"
)
NO_VOICEMAIL = "我们没有收到您的留言。如需帮助请再次拨打热线。再见。"
VOICEMAIL_SAVED = "您的留言已收到，我们会尽快处理。谢谢您对儿童的关心。再见。"
ASK_CODE = "请输入10位查询码，输入完毕请按井号键。"
ASK_SECRET = "请输入6位查询密码，输入完毕请按井号键。"
LOOKUP_FAILED = "查询码或密码不正确，请重新输入。"
LOOKUP_GIVE_UP = "查询码或密码不正确的次数过多。如需帮助，请再次拨打热线按2转人工服务。再见。"
STATUS_INTRO = "您的报告当前状态："
GOODBYE = "感谢您的来电，再见。"

STATUS_SPOKEN = {
    "new": "已受理，正在安排相关部门处理",
    "dispatched": "已转交相关部门办理",
    "in_progress": "相关部门正在办理",
    "awaiting_verification": "相关部门已反馈，热线中心正在审核",
    "closed": "已办结",
    "cancelled": "已撤销",
}


def _twiml(response: VoiceResponse) -> str:
    return str(response)


def _menu(response: VoiceResponse) -> None:
    gather = response.gather(num_digits=1, action=MENU_URL, method="POST", timeout=6)
    gather.say(GREETING, language=LANGUAGE, loop=2)
    # No key pressed: the menu handler treats silence like 2 and puts the caller through to a person.
    response.redirect(MENU_URL, method="POST")


def greeting() -> str:
    response = VoiceResponse()
    _menu(response)
    return _twiml(response)


def invalid_choice() -> str:
    response = VoiceResponse()
    response.say(INVALID_CHOICE, language=LANGUAGE)
    _menu(response)
    return _twiml(response)


def _voicemail(response: VoiceResponse) -> None:
    response.say(VOICEMAIL_PROMPT, language=LANGUAGE)
    response.record(
        action=RECORDING_URL, method="POST", max_length=MAX_RECORDING, finish_on_key="#", play_beep=True, timeout=10
    )
    # Reached only when nothing was recorded.
    response.say(NO_VOICEMAIL, language=LANGUAGE)
    response.hangup()


def connect_operators(phones: Iterable[str], *, danger: bool) -> str:
    """Ring every on-duty operator at once; the dial's action decides voicemail or hang-up."""
    response = VoiceResponse()
    phones = list(phones)
    if not phones:
        if danger:
            response.say(CALL_110, language=LANGUAGE)
        _voicemail(response)
        return _twiml(response)
    response.say(CALL_110 + CONNECTING if danger else CONNECTING, language=LANGUAGE)
    dial = response.dial(timeout=DIAL_TIMEOUT, action=DIAL_URL, method="POST", answer_on_bridge=True)
    for phone in phones:
        dial.number(phone)
    return _twiml(response)


def after_dial(answered: bool) -> str:
    response = VoiceResponse()
    if answered:
        response.hangup()
    else:
        _voicemail(response)
    return _twiml(response)


def voicemail_saved() -> str:
    response = VoiceResponse()
    response.say(VOICEMAIL_SAVED, language=LANGUAGE)
    response.hangup()
    return _twiml(response)


def ask_code(*, retry: bool = False) -> str:
    response = VoiceResponse()
    if retry:
        response.say(LOOKUP_FAILED, language=LANGUAGE)
    gather = response.gather(num_digits=10, action=LOOKUP_CODE_URL, method="POST", timeout=15, finish_on_key="#")
    gather.say(ASK_CODE, language=LANGUAGE)
    response.redirect(LOOKUP_CODE_URL, method="POST")
    return _twiml(response)


def ask_secret(code: str) -> str:
    # The code rides in the action's query string: it is signed like the rest, and alone it opens nothing.
    action = f"{LOOKUP_SECRET_URL}?code={code}"
    response = VoiceResponse()
    gather = response.gather(num_digits=6, action=action, method="POST", timeout=15, finish_on_key="#")
    gather.say(ASK_SECRET, language=LANGUAGE)
    response.redirect(action, method="POST")
    return _twiml(response)


def give_up() -> str:
    response = VoiceResponse()
    response.say(LOOKUP_GIVE_UP, language=LANGUAGE)
    response.hangup()
    return _twiml(response)


def read_status(status: str, note: str | None) -> str:
    response = VoiceResponse()
    text = STATUS_INTRO + STATUS_SPOKEN.get(status, status) + "。"
    if note:
        text += "最新进展：" + note
    response.say(text, language=LANGUAGE)
    response.say(GOODBYE, language=LANGUAGE)
    response.hangup()
    return _twiml(response)


def empty() -> str:
    return _twiml(VoiceResponse())
