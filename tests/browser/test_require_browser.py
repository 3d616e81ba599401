"""Without Chromium the browser tests skip, saying why; in CI (HOTLINE_REQUIRE_BROWSER=1) they fail."""

from __future__ import annotations

import pytest

from tests.browser import conftest


def test_missing_chromium_skips_with_the_install_hint(monkeypatch):
    monkeypatch.delenv("HOTLINE_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="Chromium not installed: apt-get install chromium"):
        conftest._require_browser("/nonexistent/chromium")
    conftest.SKIPPED.clear()


def test_missing_chromium_fails_when_the_browser_is_required(monkeypatch):
    monkeypatch.setenv("HOTLINE_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="Chromium not installed"):
        conftest._require_browser("/nonexistent/chromium")
