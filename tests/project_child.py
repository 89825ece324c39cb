"""Helper for tests/test_project_kill.py: open a project and make edits until killed.

    python tests/project_child.py PROJECT [--save-every N]

Each edit sets the value of rule 0 of scenario 'Kill' to the edit number n (one committed
transaction through Project.record_edit, described "edit n"); only after it returns does it print n
and flush.  Every 7th edit also creates or deletes a scenario 'Extra n' and every N-th edit saves,
so the file sees every kind of write.  Numbering continues from the value the file holds.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kcplanner.project import Project  # noqa: E402
from kcplanner.scenario import Scenario  # noqa: E402


def main() -> None:
    path = sys.argv[1]
    save_every = int(sys.argv[sys.argv.index("--save-every") + 1]) if "--save-every" in sys.argv else 25
    project = Project.open(path)
    print("ready", "recovered" if project.recovered else "clean", flush=True)
    s = project.scenario("Kill")
    n = int(s.rules[0].value) + 1
    while True:
        new = s.replace_rule(0, s.rules[0].with_value(n))
        project.record_edit("Kill", f"edit {n}", s, new)
        s = new
        if n % 7 == 0:
            extra = [x for x in project.scenario_names if x.startswith("Extra")]
            if extra:
                project.delete_scenario(extra[0])
            else:
                project.put_scenario(Scenario(f"Extra {n}"))
        if n % save_every == 0:
            project.save()
        print(n, flush=True)
        n += 1


if __name__ == "__main__":
    main()
