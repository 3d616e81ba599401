"""The password rule: long, not common, and not the user's own name inside it."""

from __future__ import annotations

from hotline.auth.passwords import password_problem


def test_the_rule():
    assert "至少10个字符" in password_problem("short", "olga")
    assert "常见密码" in password_problem("1234567890", "olga")
    assert "不能包含用户名" in password_problem("olga-and-friends-2026", "olga")
    assert "不能包含用户名" in password_problem("OLGA-and-friends-2026", "Olga")
    assert password_problem("a fine long pass phrase", "olga") is None


def test_a_short_name_inside_a_password_is_no_reason_to_refuse_it():
    # "li" (李) is part of countless good passwords ("liaison", "family-trip"); only names of four
    # or more characters make a password guessable by containing them.
    assert password_problem("liaison-pass-2026x", "li") is None
    assert password_problem("wang-family-trip-2026", "wan") is None
    assert "不能包含用户名" in password_problem("wang-family-trip-2026", "wang")
