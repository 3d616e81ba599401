"""Configuration defaults written once (hotline.config)."""

from __future__ import annotations

from hotline.config import DEFAULT_SMS_RETRY_INTERVALS, from_environment


def test_sms_retry_intervals_default_to_the_one_copy(tmp_path, monkeypatch):
    monkeypatch.delenv("HOTLINE_SMS_RETRY_INTERVALS", raising=False)
    assert from_environment(tmp_path)["HOTLINE_SMS_RETRY_INTERVALS"] == list(DEFAULT_SMS_RETRY_INTERVALS)
    monkeypatch.setenv("HOTLINE_SMS_RETRY_INTERVALS", "5,50")
    assert from_environment(tmp_path)["HOTLINE_SMS_RETRY_INTERVALS"] == [5, 50]
