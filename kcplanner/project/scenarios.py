"""The scenarios in a project: loaded on open, kept in memory, and every change written with its
audit row in one transaction (`record_edit`, the app's undo commands; slider drags merged)."""

from __future__ import annotations

import json

from ..scenario import Scenario, ScenarioError, scenario_from_dict
from .audit import describe_change, scenario_json, utc_now, within_merge_window
from .errors import ProjectError
from .history import _insert_edit
from .records import ScenarioVerbs, _key, _Stored


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name.strip():
        raise ProjectError("a scenario needs a name")


class ScenariosMixin(ScenarioVerbs):
    """The scenarios of an open project (part of `Project`)."""

    def _load_scenarios(self) -> None:
        scenarios = {}
        for sid, name, position, data in self._conn.execute(
                "SELECT id, name, position, data FROM scenarios ORDER BY position, id"):
            try:
                scenario = scenario_from_dict(json.loads(data), default_name=name)
            except (ScenarioError, json.JSONDecodeError) as exc:
                raise ProjectError(f"{self.path}: scenario '{name}' is damaged: {exc}") from exc
            scenarios[_key(scenario.name)] = _Stored(sid, position, scenario)
        self._scenarios = scenarios

    # -- scenarios --------------------------------------------------------------------------------
    def scenario(self, name: str) -> Scenario:
        with self._lock:
            stored = self._scenarios.get(_key(name))
            if stored is None:
                raise ProjectError(f"no scenario named '{name}'")
            return stored.scenario

    def move_scenario(self, name: str, index: int) -> int:
        """Put a scenario at position `index` of `scenarios` (audited, no change to the scenario)."""
        with self._lock:
            order = self.scenarios
            stored = self._scenarios.get(_key(name))
            if stored is None:
                raise ProjectError(f"no scenario named '{name}'")
            order = [s for s in order if _key(s.name) != _key(name)]
            index = max(0, min(index, len(order)))
            order.insert(index, stored.scenario)
            now = utc_now()
            with self._tx() as c:
                for i, s in enumerate(order):
                    c.execute("UPDATE scenarios SET position = ? WHERE name_key = ?", (float(i + 1), _key(s.name)))
                seq = _insert_edit(c, now, self.user, self.host, self.session, stored.scenario.name, "update",
                                   f"Moved scenario '{stored.scenario.name}' to position {index + 1}", None, None, None,
                                   stored.id)
            for i, s in enumerate(order):
                self._scenarios[_key(s.name)].position = float(i + 1)
            return seq

    def record_edit(self, scenario_name: str, description: str | None, before: Scenario | None,
                    after: Scenario | None, *, merge_key: str | None = None) -> int:
        """Write one edit of one scenario: its new state and its audit row, in ONE transaction.

        `before` None creates `after`; `after` None deletes the scenario; otherwise the scenario
        named `scenario_name` becomes `after` (renamed if `after.name` differs).  `description`
        None describes the change automatically (`describe_change`).  The audit keeps the state the
        file held as "before".  `merge_key` (e.g. "slider:Police plan:3"): consecutive edits with
        the same key in this session (no save in between, within 30 s) update one audit row,
        so a slider drag is one entry.  Returns the audit row's seq.
        """
        with self._lock:
            self._check_writable()
            key = _key(scenario_name)
            stored = self._scenarios.get(key)
            now = utc_now()
            with self._tx() as c:
                if after is None:
                    if stored is None:
                        raise ProjectError(f"no scenario named '{scenario_name}'")
                    c.execute("DELETE FROM scenarios WHERE id = ?", (stored.id,))
                    action, name = "delete", stored.scenario.name
                    new_stored = None
                else:
                    _check_name(after.name)
                    new_key = _key(after.name)
                    if new_key in self._scenarios and (stored is None or new_key != key):
                        raise ProjectError(f"a scenario named '{self._scenarios[new_key].scenario.name}' "
                                           "already exists")
                    if stored is None:
                        position = max((s.position for s in self._scenarios.values()), default=0.0) + 1
                        cur = c.execute("INSERT INTO scenarios (name, name_key, position, data, created, modified) "
                                        "VALUES (?, ?, ?, ?, ?, ?)",
                                        (after.name, new_key, position, scenario_json(after), now, now))
                        new_stored = _Stored(cur.lastrowid, position, after)
                        action = "create"
                    else:
                        c.execute("UPDATE scenarios SET name = ?, name_key = ?, data = ?, modified = ? WHERE id = ?",
                                  (after.name, new_key, scenario_json(after), now, stored.id))
                        new_stored = _Stored(stored.id, stored.position, after)
                        action = "rename" if stored.scenario.rename(after.name) == after \
                            and stored.scenario.name != after.name else "update"
                    name = after.name
                real_before = stored.scenario if stored is not None else None
                seq = None
                if merge_key is not None and action == "update":
                    seq = self._merge(c, merge_key, name, description, after, now)
                if seq is None:
                    seq = _insert_edit(c, now, self.user, self.host, self.session, name, action,
                                       description or describe_change(real_before, after),
                                       scenario_json(real_before), scenario_json(after), merge_key,
                                       (new_stored or stored).id)
            if stored is not None:
                self._scenarios.pop(key, None)
            if new_stored is not None:
                self._scenarios[_key(new_stored.scenario.name)] = new_stored
            return seq

    def _merge(self, c, merge_key, name, description, after, now) -> int | None:
        row = c.execute("SELECT seq, time, session, scenario, action, before, merge_key FROM edits "
                        "ORDER BY seq DESC LIMIT 1").fetchone()
        if row is None:
            return None
        seq, time, session, scenario, action, before_json, key = row
        if (key != merge_key or session != self.session or scenario != name or action != "update"
                or seq <= self._last_save_seq(c)):
            return None
        if not within_merge_window(time, now):
            return None
        before = scenario_from_dict(json.loads(before_json)) if before_json else None
        c.execute("UPDATE edits SET time = ?, description = ?, after = ? WHERE seq = ?",
                  (now, description or describe_change(before, after), scenario_json(after), seq))
        return seq
