"""File > Open Shared Project…: the connection dialog (ui/team/connect.py) — the URL it makes, the
password never written by kcplanner (only the system keyring, when there is one, keeps it), and a
project opened through it in the real window."""

from __future__ import annotations

import pytest
from psycopg.conninfo import conninfo_to_dict
from PySide6.QtWidgets import QDialogButtonBox

from ui.team import connect as cn

from .ui_team_fixtures import answer_modal, grab, open_shared, ui_settings, window  # noqa: F401 - fixtures


class FakeKeyring:
    """A system keyring that works (the `keyring` module's two calls the dialog makes)."""

    def __init__(self):
        self.stored: dict[tuple[str, str], str] = {}

    def get_password(self, service, account):
        return self.stored.get((service, account))

    def set_password(self, service, account, password):
        self.stored[(service, account)] = password


def test_the_url_quotes_every_part_and_libpq_reads_them_back():
    url = cn.build_url("db.city.gov", 6543, "budget fy2028", "j.smith@omb", "p@ss:w/rd ü")
    parts = conninfo_to_dict(url)
    assert parts == {"host": "db.city.gov", "port": "6543", "dbname": "budget fy2028", "user": "j.smith@omb",
                     "password": "p@ss:w/rd ü"}
    assert "password" not in conninfo_to_dict(cn.build_url("db", 5432, "b", "u"))
    assert cn.parse_url(cn.build_url("db.city.gov", 6543, "budget fy2028", "j.smith@omb")) == \
        ("db.city.gov", 6543, "budget fy2028", "j.smith@omb")
    assert conninfo_to_dict(cn.build_url("", 5432, "b", "u"))["host"] == "localhost"


def test_the_dialog_asks_for_what_is_missing_and_offers_no_keyring_without_one(qtbot, ui_settings, monkeypatch):
    monkeypatch.setattr(cn, "keyring_backend", lambda: None)
    d = cn.ConnectionDialog(None, "postgresql://pchief@db.city.gov:5433/budget")
    qtbot.addWidget(d)
    assert (d.host.text(), d.port.value(), d.database.text(), d.login.text()) == ("db.city.gov", 5433, "budget",
                                                                                  "pchief")
    assert d.remember.isHidden() and "keyring" not in d.password.placeholderText()
    d.database.setText("")
    d.accept()
    assert d.result() == 0 and "Which database?" in d.error.text()
    d.database.setText("budget")
    assert d.url() == "postgresql://pchief@db.city.gov:5433/budget"   # libpq looks in ~/.pgpass
    d.password.setText("typed")
    assert conninfo_to_dict(d.url())["password"] == "typed" and "typed" not in d.safe_url()
    assert d.keyring_entry() is None


def test_the_keyring_remembers_the_password_once_the_project_opened(qtbot, window, team, ui_settings, monkeypatch):
    from ui.project.recent import recent_project_files

    fake = FakeKeyring()
    monkeypatch.setattr(cn, "keyring_backend", lambda: fake)
    w = window
    login, rest = team.url("police").split("//", 1)[1].split("@", 1)
    host_port, database = rest.split("/", 1)
    host, port = host_port.split(":")
    seen: list = []

    def fill(dialog):
        assert not dialog.remember.isHidden()
        dialog.host.setText(host)
        dialog.port.setValue(int(port))
        dialog.database.setText(database)
        dialog.login.setText(login)
        dialog.password.setText("kept-by-the-os")   # the test server trusts any password
        dialog.remember.setChecked(True)
        grab(dialog, "team-connect-dialog")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Open).click()
    answer_modal(qtbot, fill, seen)
    with qtbot.waitSignal(w.project_controller.opened, timeout=60_000):
        w.team.open_dialog()
    assert w.project_controller.project.user == login
    account = cn.keyring_account(login, host, int(port), database)
    assert fake.stored == {(cn.KEYRING_SERVICE, account): "kept-by-the-os"}
    written = "".join(p.read_text(errors="replace") for p in ui_settings.rglob("*") if p.is_file())
    assert "kept-by-the-os" not in written and database in written
    assert recent_project_files()[0] == team.url("police")
    # next time: the password field left empty, the keyring's password goes into the URL (in memory)
    d = cn.ConnectionDialog(None)
    qtbot.addWidget(d)
    assert (d.host.text(), d.database.text(), d.login.text()) == (host, database, login)
    assert conninfo_to_dict(d.url())["password"] == "kept-by-the-os"


def test_a_broken_keyring_is_not_offered(monkeypatch):
    import sys
    import types

    broken = types.ModuleType("keyring")
    broken.get_keyring = lambda: (_ for _ in ()).throw(RuntimeError("no D-Bus"))
    monkeypatch.setitem(sys.modules, "keyring", broken)
    assert cn.keyring_backend() is None


@pytest.mark.parametrize("who", ["viewer"])
def test_the_window_in_team_mode_screenshot(qtbot, window, team, who):
    w = window
    open_shared(qtbot, w, team.url(who))
    w.tabs.setCurrentWidget(w.requests)
    qtbot.wait(50)
    grab(w, f"team-window-{who}-requests")
    assert not w.requests.buttons["new"].isEnabled() and "viewer" in w.requests.buttons["new"].toolTip()


def test_a_recent_url_gets_the_keyrings_password_and_only_in_memory(monkeypatch):
    fake = FakeKeyring()
    monkeypatch.setattr(cn, "keyring_backend", lambda: fake)
    url = "postgresql://pchief@db.city.gov:5433/budget"
    assert cn.with_keyring_password(url) == url                      # nothing kept for it: ~/.pgpass
    fake.set_password(cn.KEYRING_SERVICE, cn.keyring_account("pchief", "db.city.gov", 5433, "budget"), "k:y")
    assert conninfo_to_dict(cn.with_keyring_password(url))["password"] == "k:y"
    typed = "postgresql://pchief:typed@db.city.gov:5433/budget"
    assert cn.with_keyring_password(typed) == typed                  # a password given wins
    monkeypatch.setattr(cn, "keyring_backend", lambda: None)
    assert cn.with_keyring_password(url) == url
