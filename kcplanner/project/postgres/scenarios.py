"""The scenarios of a shared project: each save is `UPDATE … WHERE version = the version loaded`,
so a save over someone else's newer version is refused with who and when (ConflictError), never
lost.  The database writes the audit row and tells the other windows (audit_change trigger)."""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import errors as pg
from psycopg.types.json import Jsonb

from ...scenario import Scenario, ScenarioError, scenario_from_dict
from ..audit import describe_change
from ..errors import ProjectError
from ..records import ScenarioVerbs, _key
from .base import iso
from .errors import ConflictError, TeamError, Theirs


@dataclass
class StoredScenario:
    id: int
    position: float
    scenario: Scenario
    version: int
    modified_by: str = ""
    modified: str = ""


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name.strip():
        raise ProjectError("a scenario needs a name")


class TeamScenariosMixin(ScenarioVerbs):
    """Scenarios with optimistic versions (part of `TeamProject`)."""

    def _load_scenarios(self) -> None:
        with self._read("reading the scenarios") as c:
            rows = c.execute("SELECT id, name, position, data, version, modified_by, modified FROM scenarios "
                             "ORDER BY position, id").fetchall()
        scenarios = {}
        for sid, name, position, data, version, by, when in rows:
            try:
                scenario = scenario_from_dict(data, default_name=name)
            except ScenarioError as exc:
                raise TeamError(f"{self.location}: scenario '{name}' is damaged: {exc}") from None
            scenarios[_key(scenario.name)] = StoredScenario(sid, position, scenario, version, by, iso(when))
        with self._lock:
            self._scenarios = scenarios

    def refresh(self) -> None:
        """Read the scenarios again (after a change notification from another window)."""
        self._load_scenarios()

    def scenario(self, name: str) -> Scenario:
        return self._stored(name).scenario

    def scenario_version(self, name: str) -> StoredScenario:
        """The version of the scenario this window holds, who saved it and when."""
        return self._stored(name)

    def _stored(self, name: str) -> StoredScenario:
        with self._lock:
            stored = self._scenarios.get(_key(name))
            if stored is None:
                raise ProjectError(f"no scenario named '{name}'")
            return stored

    def move_scenario(self, name: str, index: int) -> int:
        """Put a scenario at position `index` (the order is not a version of the scenarios)."""
        with self._lock:
            self._check_writable("arranging the scenarios")
            stored = self._stored(name)
            order = [s for s in self.scenarios if _key(s.name) != _key(name)]
            index = max(0, min(index, len(order)))
            order.insert(index, stored.scenario)
            text = f"Moved scenario '{stored.scenario.name}' to position {index + 1}"
            with self._tx("arranging the scenarios") as c:
                for i, s in enumerate(order):
                    c.execute("UPDATE scenarios SET position = %s WHERE id = %s",
                              (float(i + 1), self._scenarios[_key(s.name)].id))
                seq = c.execute("SELECT note_event('update', %s, %s, %s, NULL)",
                                (stored.scenario.name, stored.id, text)).fetchone()[0]
            for i, s in enumerate(order):
                self._scenarios[_key(s.name)].position = float(i + 1)
            return seq

    def record_edit(self, scenario_name: str, description: str | None, before: Scenario | None,
                    after: Scenario | None, *, merge_key: str | None = None) -> int:
        """Save one change of one scenario (as `Project.record_edit`), over the version this window
        loaded: ConflictError when someone saved it since.  `merge_key` is accepted for the app's
        sake; in a shared project every step of a slider drag is a version of its own."""
        with self._lock:
            self._check_writable("changing scenarios")
            key = _key(scenario_name)
            stored = self._scenarios.get(key)
            text = description or describe_change(stored.scenario if stored else None, after)
            if after is None:
                if stored is None:
                    raise ProjectError(f"no scenario named '{scenario_name}'")
                return self._delete(stored, text)
            _check_name(after.name)
            new_key = _key(after.name)
            if new_key in self._scenarios and (stored is None or new_key != key):
                raise ProjectError(f"a scenario named '{self._scenarios[new_key].scenario.name}' already exists")
            if stored is None:
                return self._insert(after, text)
            return self._update(stored, after, text)

    def _insert(self, after: Scenario, text: str) -> int:
        position = max((s.position for s in self._scenarios.values()), default=0.0) + 1
        try:
            with self._tx(f"creating scenario '{after.name}'", description=text) as c:
                row = c.execute("INSERT INTO scenarios (name, name_key, position, data) VALUES (%s, %s, %s, %s) "
                                "RETURNING id, version, modified_by, modified",
                                (after.name, _key(after.name), position, Jsonb(after.to_dict()))).fetchone()
                seq = self._last_seq(c)
        except TeamError as exc:
            if isinstance(exc.__context__, pg.UniqueViolation):
                raise ProjectError(f"a scenario named '{after.name}' already exists (someone just created it)") \
                    from None
            raise
        self._scenarios[_key(after.name)] = StoredScenario(row[0], position, after, row[1], row[2], iso(row[3]))
        return seq

    def _update(self, stored: StoredScenario, after: Scenario, text: str) -> int:
        try:
            return self._update_row(stored, after, text)
        except TeamError as exc:
            if isinstance(exc.__context__, pg.UniqueViolation):
                raise ProjectError(f"a scenario named '{after.name}' already exists (someone just created it)") \
                    from None
            raise

    def _update_row(self, stored: StoredScenario, after: Scenario, text: str) -> int:
        with self._tx(f"saving scenario '{after.name}'", description=text) as c:
            row = c.execute("UPDATE scenarios SET name = %s, name_key = %s, data = %s WHERE id = %s AND version = %s "
                            "RETURNING version, modified_by, modified",
                            (after.name, _key(after.name), Jsonb(after.to_dict()), stored.id, stored.version)
                            ).fetchone()
            if row is None:
                theirs = self._theirs(c, stored.id)
            else:
                seq = self._last_seq(c)
        if row is None:
            raise ConflictError("scenario", stored.scenario.name, after, stored.version, theirs)
        self._scenarios.pop(_key(stored.scenario.name), None)
        self._scenarios[_key(after.name)] = StoredScenario(stored.id, stored.position, after, row[0], row[1],
                                                           iso(row[2]))
        return seq

    def _delete(self, stored: StoredScenario, text: str) -> int:
        with self._tx(f"deleting scenario '{stored.scenario.name}'", description=text) as c:
            row = c.execute("DELETE FROM scenarios WHERE id = %s AND version = %s RETURNING id",
                            (stored.id, stored.version)).fetchone()
            if row is None:
                theirs = self._theirs(c, stored.id)
            else:
                seq = self._last_seq(c)
        if row is None:
            raise ConflictError("scenario", stored.scenario.name, None, stored.version, theirs)
        self._scenarios.pop(_key(stored.scenario.name), None)
        return seq

    def _theirs(self, c, sid: int) -> Theirs:
        """The scenario as the server has it now, or who deleted it and when."""
        row = c.execute("SELECT version, modified_by, modified, data, name FROM scenarios WHERE id = %s",
                        (sid,)).fetchone()
        if row is not None:
            return Theirs(row[0], row[1], iso(row[2]), scenario_from_dict(row[3], default_name=row[4]))
        gone = c.execute("SELECT \"user\", time FROM edits WHERE scenario_id = %s AND action = 'delete' "
                         "ORDER BY seq DESC LIMIT 1", (sid,)).fetchone()
        who, when = gone if gone else ("someone", None)
        return Theirs(0, who, iso(when), None)


__all__ = ["TeamScenariosMixin", "StoredScenario"]
