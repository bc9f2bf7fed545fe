"""`rekon user ...`: accounts from the command line."""

from __future__ import annotations

import pytest

from pipeline.cli import main
from pipeline.portal.config import default_db_url
from pipeline.portal.db import connect
from pipeline.portal.passwords import verify_password
from pipeline.portal.users import password_hash_of


def test_user_add_list_disable(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.delenv("REKON_PORTAL_DB", raising=False)
    monkeypatch.setenv("REKON_PASSWORD", "kata-sandi-cabang-1")
    data = str(tmp_path)
    assert main(["user", "add", "siti", "--role", "analis", "--regions", "62, 32.15", "--data", data]) == 0
    assert "siti added: analis, regions 62, 32.15" in capsys.readouterr().out
    user, password_hash = password_hash_of(connect(default_db_url(tmp_path)), "siti")
    assert user.regions == ("32.15", "62") and password_hash.startswith("$argon2id$")
    assert verify_password(password_hash, "kata-sandi-cabang-1")
    assert main(["user", "disable", "siti", "--data", data]) == 0
    assert main(["user", "list", "--data", data]) == 0
    assert "disabled" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args,message",
    [
        (["--role", "analis", "--regions", "99"], "unknown region code"),
        (["--role", "analis"], "needs --regions"),
        (["--role", "supervisor", "--regions", "62.71.01"], "unknown region code"),
    ],
)
def test_user_add_refuses(tmp_path, monkeypatch, capsys, args: list[str], message: str) -> None:
    monkeypatch.delenv("REKON_PORTAL_DB", raising=False)
    monkeypatch.setenv("REKON_PASSWORD", "kata-sandi-cabang-1")
    assert main(["user", "add", "budi", *args, "--data", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err


def test_short_password_and_missing_password_are_refused(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.delenv("REKON_PORTAL_DB", raising=False)
    monkeypatch.setenv("REKON_PASSWORD", "pendek")
    assert main(["user", "add", "budi", "--role", "admin", "--data", str(tmp_path)]) == 2
    assert "at least 12" in capsys.readouterr().err
    monkeypatch.delenv("REKON_PASSWORD")
    # No terminal under pytest: no prompt, a clear message instead of a hang.
    assert main(["user", "add", "budi", "--role", "admin", "--data", str(tmp_path)]) == 2
    assert "REKON_PASSWORD" in capsys.readouterr().err
