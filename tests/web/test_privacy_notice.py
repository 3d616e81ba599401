"""The public form says what is kept, who sees it and for how long; the phone greeting says a
voicemail is recorded (CONTRACT "Notices and setup")."""

from __future__ import annotations

import pytest

from hotline.intake.voice import GREETING
from tests.web.conftest import text


def test_the_report_form_carries_the_privacy_notice(pages):
    page = text(pages.get("/"))
    assert "隐私说明" in page and "签收后" in page and "1095天" in page
    english = text(pages.get("/?lang=en"))
    assert "Privacy" in english and "1095 days after the report is closed" in english


@pytest.mark.parametrize("app_config", [{"HOTLINE_RETENTION_DAYS": 365}])
def test_the_notice_follows_the_retention_setting(pages):
    assert "365天" in text(pages.get("/"))


def test_the_voice_greeting_says_voicemail_is_recorded():
    assert "录音" in GREETING
