"""Which language a page is in: Simplified Chinese unless the visitor asks for English.

``?lang=en`` (or ``?lang=zh``) chooses and is remembered in the session; otherwise the
browser's Accept-Language decides between the two; otherwise Chinese.

Catalogs live in ``hotline/web/translations``; message ids are English and the
``zh_Hans_CN`` catalog translates them. The compiled ``.mo`` is committed so a fresh clone
needs no compile step; ``tests/web/test_i18n.py`` fails when it is stale or a string is
missing. After editing a page::

    .venv/bin/pybabel extract -F hotline/web/babel.cfg -k _l --add-location=file --sort-by-file \
        --no-wrap -o /tmp/messages.pot hotline/web
    .venv/bin/pybabel update -i /tmp/messages.pot -d hotline/web/translations -l zh_Hans_CN \
        --no-fuzzy-matching --ignore-obsolete --no-wrap
    (translate the new entries in messages.po)
    .venv/bin/pybabel compile -d hotline/web/translations -l zh_Hans_CN
"""

from __future__ import annotations

from flask import current_app, request, session

CHINESE = "zh_Hans_CN"
ENGLISH = "en"
# What ?lang= accepts, and the locale each choice means.
CHOICES = {"zh": CHINESE, "zh_Hans_CN": CHINESE, "zh-CN": CHINESE, "en": ENGLISH}


def select_locale() -> str:
    chosen = request.args.get("lang")
    if chosen in CHOICES:
        session["lang"] = CHOICES[chosen]
        return CHOICES[chosen]
    if session.get("lang") in (CHINESE, ENGLISH):
        return session["lang"]
    for language, _quality in request.accept_languages:
        primary = language.replace("_", "-").split("-")[0].lower()
        if primary == "zh":
            return CHINESE
        if primary == "en":
            return ENGLISH
    return CHINESE


def select_timezone() -> str:
    return current_app.config["HOTLINE_TIMEZONE"]


def is_english() -> bool:
    from flask_babel import get_locale

    locale = get_locale()
    return locale is not None and locale.language == "en"


def html_lang() -> str:
    return "en" if is_english() else "zh-CN"
