import sqlalchemy as sa

from hotline.extensions import db
from hotline.models import User


def test_create_user_reads_password_from_stdin(app, flask_cli, client):
    result = flask_cli(
        "users",
        "create",
        "wang",
        "--role",
        "liaison",
        "--bureau",
        "education",
        "--phone",
        "+8613800000009",
        input="s3cret pass\n",
    )
    assert result.returncode == 0, result.stderr
    db.session.expire_all()
    user = db.session.scalar(sa.select(User).filter_by(username="wang"))
    assert user.bureau == "education" and user.phone == "+8613800000009"
    assert user.password_hash.startswith("$argon2")
    assert client.post("/api/v1/auth/tokens", json={"username": "wang", "password": "s3cret pass"}).status_code == 201


def test_refusals_exit_non_zero_with_a_clear_message(app, flask_cli, make_user):
    make_user("taken", "operator")
    cases = [
        (["taken", "--role", "operator"], "already exists"),
        (["x1", "--role", "king"], "unknown role"),
        (["x2", "--role", "liaison", "--bureau", "nowhere"], "unknown department"),
        (["x3", "--role", "liaison"], "must name a department"),
    ]
    for args, message in cases:
        result = flask_cli("users", "create", *args, input="pw\n")
        assert result.returncode != 0, args
        assert message in result.stderr + result.stdout, (args, result.stderr)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
