"""Twilio webhooks: the voice menu, voicemail, SMS reports and status callbacks.

Every view is wrapped by ``twilio_signed`` (403 before anything is read or stored), parses the
form with a schema, calls one service and answers TwiML built with the SDK's classes.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from hotline.intake import calls, services, voice
from hotline.intake.schemas import (
    CallStatusWebhookSchema,
    CallWebhookSchema,
    DialWebhookSchema,
    LookupQuerySchema,
    MenuWebhookSchema,
    RecordingWebhookSchema,
    SmsStatusWebhookSchema,
    SmsWebhookSchema,
)
from hotline.intake.signatures import twilio_signed
from hotline.queues import get_redis
from hotline.settings import current_settings

blp = Blueprint(
    "twilio",
    __name__,
    url_prefix="/twilio",
    description="Twilio webhooks (form-encoded, signed with X-Twilio-Signature; answers are TwiML)",
)
TWIML_DOC = {"responses": {"200": {"description": "TwiML", "content": {"text/xml": {"schema": {"type": "string"}}}}}}


def twiml(body: str) -> Response:
    return Response(body, mimetype="text/xml")


def _now() -> datetime:
    return datetime.now(UTC)


class TwilioView(MethodView):
    decorators = [twilio_signed]


@blp.route("/voice")
class Voice(TwilioView):
    @blp.arguments(CallWebhookSchema, location="form")
    @blp.doc(**TWIML_DOC)
    def post(self, form):
        """A call comes in: log it and play the Mandarin menu."""
        calls.record_call(form["CallSid"], form["From"], form["To"], _now())
        return twiml(voice.greeting())


@blp.route("/voice/menu")
class VoiceMenu(TwilioView):
    @blp.arguments(MenuWebhookSchema, location="form")
    @blp.doc(**TWIML_DOC)
    def post(self, form):
        """The caller's key: 1 danger now / 2 report (ring the operators), 3 hear a report's status."""
        choice = calls.choose_menu(form["CallSid"], form["Digits"], form["From"], form["To"], _now())
        if choice is None:
            return twiml(voice.invalid_choice())
        if choice == "3":
            return twiml(voice.ask_code())
        phones = current_app.config["HOTLINE_OPERATOR_PHONES"]
        return twiml(voice.connect_operators(phones, danger=choice == "1"))


@blp.route("/voice/dial")
class VoiceDial(TwilioView):
    @blp.arguments(DialWebhookSchema, location="form")
    @blp.doc(**TWIML_DOC)
    def post(self, form):
        """The operators' phones stopped ringing: hang up if one answered, else take a voicemail."""
        answered = calls.dial_finished(form["CallSid"], form["DialCallStatus"], form["From"], form["To"], _now())
        return twiml(voice.after_dial(answered))


@blp.route("/voice/lookup")
class VoiceLookupCode(TwilioView):
    @blp.arguments(MenuWebhookSchema, location="form")
    @blp.doc(**TWIML_DOC)
    def post(self, form):
        """Menu 3, step 1: the 10-digit tracking code was keyed in; ask for the secret."""
        step = services.voice_lookup_code(form["CallSid"], form["Digits"], form["From"], form["To"], _now())
        return twiml(_lookup_answer(step))


@blp.route("/voice/lookup/secret")
class VoiceLookupSecret(TwilioView):
    @blp.arguments(LookupQuerySchema, location="query")
    @blp.arguments(MenuWebhookSchema, location="form")
    @blp.doc(**TWIML_DOC)
    def post(self, query, form):
        """Menu 3, step 2: the 6-digit secret; read the status out, or try again (three tries)."""
        step = services.voice_lookup_secret(
            form["CallSid"],
            query["code"],
            form["Digits"],
            form["From"],
            form["To"],
            _now(),
            settings=current_settings(),
            redis=get_redis(),
        )
        return twiml(_lookup_answer(step))


def _lookup_answer(step: services.LookupStep) -> str:
    if step.kind == "ask_secret":
        return voice.ask_secret(step.code)
    if step.kind == "status":
        return voice.read_status(step.status, step.note)
    if step.kind == "retry":
        return voice.ask_code(retry=True)
    return voice.give_up()


@blp.route("/voice/recording")
class VoiceRecording(TwilioView):
    @blp.arguments(RecordingWebhookSchema, location="form")
    @blp.doc(**TWIML_DOC)
    def post(self, form):
        """A voicemail was recorded: it becomes a `new` ticket (emergency after menu choice 1)."""
        services.receive_voicemail(
            call_sid=form["CallSid"],
            recording_sid=form["RecordingSid"],
            recording_url=form["RecordingUrl"],
            duration=form["RecordingDuration"],
            from_number=form["From"],
            to_number=form["To"],
            now=_now(),
            settings=current_settings(),
        )
        return twiml(voice.voicemail_saved())


@blp.route("/voice/status")
class VoiceStatus(TwilioView):
    @blp.arguments(CallStatusWebhookSchema, location="form")
    @blp.doc(**TWIML_DOC)
    def post(self, form):
        """Twilio's call status callback: unanswered and abandoned calls become `missed`."""
        calls.update_call_status(
            form["CallSid"], form["CallStatus"], form["CallDuration"], form["From"], form["To"], _now()
        )
        return twiml(voice.empty())


@blp.route("/sms")
class Sms(TwilioView):
    @blp.arguments(SmsWebhookSchema, location="form")
    @blp.doc(**TWIML_DOC)
    def post(self, form):
        """An SMS report: a `new` ticket and a Chinese reply with its tracking code and secret."""
        reply = services.receive_sms(
            form["MessageSid"], form["From"], form["Body"], _now(), settings=current_settings()
        )
        return twiml(services.sms_twiml(reply))


@blp.route("/sms/status")
class SmsStatus(TwilioView):
    @blp.arguments(SmsStatusWebhookSchema, location="form")
    @blp.doc(**TWIML_DOC)
    def post(self, form):
        """Delivery status of an SMS we sent."""
        services.sms_delivery_status(form["MessageSid"], form["MessageStatus"])
        return twiml(services.sms_twiml(None))
