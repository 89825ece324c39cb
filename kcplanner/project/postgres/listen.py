"""Changes made by others, as they happen: the database sends a notification with every change
(LISTEN/NOTIFY, channel `kcplanner`, from the audit trigger, on commit); a listener waits for them
on a connection of its own and calls back, so an open window can refresh within a second or two."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Callable

import psycopg
from psycopg import sql

from .connection import connect, safe_url

CHANNEL = "kcplanner"


@dataclass(frozen=True)
class Change:
    """What changed: `table` (scenarios, requests, narratives, positions, edits), `action`
    (create, update, rename, delete, data, move, conflict, …), `key` (scenario name or request ID),
    `version` (None when deleted), `user` (the login), `seq` (its audit row)."""

    table: str
    action: str
    key: str | None
    version: int | None
    user: str
    seq: int | None
    received: float          # time.monotonic() when it arrived here

    @classmethod
    def from_payload(cls, payload: str) -> "Change":
        data = json.loads(payload)
        return cls(data.get("table", ""), data.get("action", ""), data.get("key"), data.get("version"),
                   data.get("user", ""), data.get("seq"), time.monotonic())


def wait_for_changes(conn: psycopg.Connection, callback: Callable[[Change], None], *, timeout: float,
                     stop: threading.Event | None = None) -> int:
    """Wait up to `timeout` seconds on `conn` (autocommit, already LISTENing) and call `callback`
    with each change; returns how many arrived."""
    count = 0
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0 and not (stop and stop.is_set()):
        for note in conn.notifies(timeout=min(left, 0.5)):
            if note.channel == CHANNEL:
                callback(Change.from_payload(note.payload))
                count += 1
    return count


class ChangeListener:
    """A thread that listens on its own connection and calls `callback(change)` for every change
    (from that thread: a Qt app forwards it to the GUI thread with a queued signal).  Changes made
    by this same window arrive too (`change.user`, or compare the seq of your own saves).  After a
    lost connection it connects again and calls `on_gap()` (refresh everything: changes made while
    disconnected were not heard)."""

    def __init__(self, url: str, callback: Callable[[Change], None], *,
                 on_gap: Callable[[], None] | None = None, retry_seconds: float = 2.0) -> None:
        self.url, self.callback, self.on_gap, self.retry_seconds = url, callback, on_gap, retry_seconds
        self.error: str | None = None
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"kcplanner listener {safe_url(url)}", daemon=True)

    def start(self, wait: float = 10.0) -> "ChangeListener":
        """Start listening; returns once LISTEN is in place (or `wait` seconds passed)."""
        if not self._thread.is_alive() and self._thread.ident is None:
            self._thread.start()
        self._ready.wait(wait)
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        first = True
        while not self._stop.is_set():
            try:
                conn = connect(self.url, autocommit=True)
            except Exception as exc:  # the server is away: try again, say why meanwhile
                self.error = str(exc)
                self._ready.set()
                self._stop.wait(self.retry_seconds)
                continue
            try:
                conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL)))
                self.error = None
                if not first and self.on_gap is not None:
                    self.on_gap()
                first = False
                self._ready.set()
                while not self._stop.is_set():
                    wait_for_changes(conn, self.callback, timeout=0.5, stop=self._stop)
            except psycopg.Error as exc:
                self.error = f"{safe_url(self.url)}: listening for changes stopped ({exc}); trying again"
                self._stop.wait(self.retry_seconds)
            finally:
                conn.close()

    def __enter__(self) -> "ChangeListener":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def listen(url: str, callback: Callable[[Change], None], **options) -> ChangeListener:
    """Start a `ChangeListener` (stop it with `.stop()`)."""
    return ChangeListener(url, callback, **options).start()


__all__ = ["Change", "ChangeListener", "listen", "wait_for_changes", "CHANNEL"]
