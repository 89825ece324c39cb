"""File > Open Shared Project…: the connection dialog (server, port, database, login; the password
optional) and the URL it makes.

kcplanner never stores a password.  Left empty, libpq finds it itself (`~/.pgpass`, `PGPASSWORD`,
or the server needs none: Kerberos, certificates).  When the `keyring` package is installed with a
working back-end, the dialog offers "Remember in the system keyring" (the OS keychain stores it, not
us) and reads it from there the next time.  What the dialog remembers in the settings is the URL
without the password.
"""

from __future__ import annotations

import getpass
from urllib.parse import quote, unquote, urlsplit

from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QSpinBox,
                               QVBoxLayout, QWidget)

from ..common import settings as st

KEY_LAST_SHARED = "team/last_url"   # the last shared project's URL, without its password
KEYRING_SERVICE = "kcplanner"
DEFAULT_PORT = 5432


def keyring_backend():
    """The `keyring` module when it is installed and has a working back-end, else None."""
    try:
        import keyring
        from keyring.backends import fail
        backend = keyring.get_keyring()
    except Exception:  # noqa: BLE001 - no keyring, or a broken one: the dialog simply does not offer it
        return None
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 1) <= 0:
        return None
    return keyring


def keyring_account(login: str, host: str, port: int, database: str) -> str:
    """The keyring entry's user name: one password per login, server and database."""
    return f"{login}@{host}:{port}/{database}"


def build_url(host: str, port: int, database: str, login: str, password: str = "") -> str:
    """`postgresql://login[:password]@host:port/database` with every part quoted."""
    who = quote(login, safe="")
    if password:
        who += ":" + quote(password, safe="")
    host = host.strip() or "localhost"
    if ":" in host and not host.startswith("["):  # an IPv6 address
        host = f"[{host}]"
    return f"postgresql://{who}@{host}:{int(port)}/{quote(database, safe='')}"


def parse_url(url: str) -> tuple[str, int, str, str]:
    """(host, port, database, login) of a postgresql:// URL (a missing part: the default)."""
    try:
        parts = urlsplit(url)
        port = parts.port or DEFAULT_PORT
    except ValueError:
        return "", DEFAULT_PORT, "", ""
    return (parts.hostname or "", port, unquote(parts.path.lstrip("/")), unquote(parts.username or ""))


class ConnectionDialog(QDialog):
    """Server, port, database, login and an optional password; `url()` once accepted."""

    def __init__(self, parent: QWidget | None = None, last_url: str | None = None):
        super().__init__(parent)
        self.setWindowTitle("Open a shared project")
        self.keyring = keyring_backend()
        host, port, database, login = parse_url(last_url or st.get_str(KEY_LAST_SHARED, ""))
        self.host = QLineEdit(host or "localhost")
        self.host.setToolTip("The PostgreSQL server your city's DBA set up for the budget round")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(port)
        self.database = QLineEdit(database)
        self.database.setPlaceholderText("e.g. budget_fy2028")
        self.login = QLineEdit(login or _os_user())
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("leave empty to use ~/.pgpass" + (" or the keyring" if self.keyring else ""))
        self.remember = QCheckBox("Remember in the system keyring")
        self.remember.setToolTip("The operating system's keychain keeps it (kcplanner never stores a password)")
        self.remember.setVisible(self.keyring is not None)
        form = QFormLayout()
        form.addRow("Server:", self.host)
        form.addRow("Port:", self.port)
        form.addRow("Database:", self.database)
        form.addRow("Login:", self.login)
        form.addRow("Password:", self.password)
        form.addRow("", self.remember)
        note = QLabel("kcplanner never stores your password. Left empty, it comes from your <tt>~/.pgpass</tt> "
                      "file or <tt>PGPASSWORD</tt>" + (", or the system keyring" if self.keyring else "")
                      + ". Your login decides what you can change: OMB analysts everything, department "
                      "managers their department's requests, viewers nothing.")
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(note)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)
        self.setMinimumWidth(460)
        (self.database if not database else self.password).setFocus()

    def problem(self) -> str:
        """What is missing, or "" when the form can be opened."""
        if not self.database.text().strip():
            return "Which database? Your DBA gives its name (e.g. budget_fy2028)."
        if not self.login.text().strip():
            return "Which login? The one your DBA added for you."
        return ""

    def accept(self) -> None:
        text = self.problem()
        if text:
            self.error.setText(text)
            self.error.show()
            return
        super().accept()

    def account(self) -> str:
        return keyring_account(self.login.text().strip(), self.host.text().strip() or "localhost",
                               self.port.value(), self.database.text().strip())

    def password_text(self) -> str:
        """The password typed, else the keyring's (if any), else "" (libpq looks in ~/.pgpass)."""
        typed = self.password.text()
        if typed or self.keyring is None:
            return typed
        try:
            return self.keyring.get_password(KEYRING_SERVICE, self.account()) or ""
        except Exception:  # noqa: BLE001 - a locked or broken keyring: libpq tries ~/.pgpass
            return ""

    def url(self) -> str:
        """The URL to connect with (the password in it stays in memory, never written)."""
        return build_url(self.host.text(), self.port.value(), self.database.text().strip(),
                         self.login.text().strip(), self.password_text())

    def safe_url(self) -> str:
        """The URL without a password: what the settings and the recent list keep."""
        return build_url(self.host.text(), self.port.value(), self.database.text().strip(), self.login.text().strip())

    def keyring_entry(self) -> tuple[str, str] | None:
        """(account, password) to put in the keyring once the project opened, or None."""
        if self.keyring is None or not self.remember.isChecked() or not self.password.text():
            return None
        return self.account(), self.password.text()


def with_keyring_password(url: str) -> str:
    """A URL without a password (File > Open Recent Project) with the keyring's password for it,
    if the system keyring has one; else the URL as it is (libpq looks in ~/.pgpass)."""
    host, port, database, login = parse_url(url)
    backend = keyring_backend()
    if backend is None or not login or urlsplit(url).password:
        return url
    try:
        password = backend.get_password(KEYRING_SERVICE, keyring_account(login, host or "localhost", port, database))
    except Exception:  # noqa: BLE001 - a locked or broken keyring: libpq tries ~/.pgpass
        return url
    return build_url(host, port, database, login, password) if password else url


def store_in_keyring(entry: tuple[str, str] | None) -> str:
    """Put a password in the system keyring (after it worked); the message to show if it failed."""
    backend = keyring_backend()
    if entry is None or backend is None:
        return ""
    try:
        backend.set_password(KEYRING_SERVICE, entry[0], entry[1])
    except Exception as exc:  # noqa: BLE001 - the project is open: only say the keyring refused
        return f"The password was not remembered: the system keyring refused it ({exc})"
    return ""


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name from the OS: the person types it
        return ""


__all__ = ["ConnectionDialog", "build_url", "parse_url", "keyring_backend", "store_in_keyring", "with_keyring_password",
           "KEY_LAST_SHARED"]
