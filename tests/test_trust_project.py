"""Issue 11, lost work (the kernel side): exactly one kcplanner may write a project (an OS lock,
kcplanner/project/lock.py), the other gets a clear message and may open it read-only; a lock left
by a killed process is taken over; the view state (scenario, tab, plan year) is kept in the file;
Save As leaves no -wal/-shm files behind."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kcplanner.project import Project, ProjectError, ProjectInUse, current_user
from kcplanner.project.audit import host_name
from kcplanner.project.lock import LockHeld, ProjectLock, holder, lock_path
from kcplanner.project.viewstate import read_view_state, write_view_state
from kcplanner.scenario import Rule, Scenario, Target

from .test_project import BASE_LINES, BASE_REQUESTS, make_dataset, simulate_crash

RACES = 30
CHILD = Path(__file__).with_name("project_child.py")


@pytest.fixture(scope="module")
def small():
    return make_dataset(BASE_LINES, BASE_REQUESTS)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- two processes, the same file, the same instant -------------------------------------------------

def _racer(paths: list[str], barrier, results, me: int) -> None:
    """One of two processes: for each file, wait for the other at the barrier, then open it for
    writing at the same instant; the writer adds its scenario; the other reports its message and
    opens read-only.  Results: (race, me, "writer" | "refused", message, pid)."""
    from kcplanner.project import Project, ProjectInUse
    from kcplanner.scenario import Scenario

    for i, path in enumerate(paths):
        barrier.wait()
        try:
            p = Project.open(path)
        except ProjectInUse as exc:
            try:
                with Project.open(path, read_only=True) as ro:
                    names = ro.scenario_names
                    try:
                        ro.put_scenario(Scenario(f"refused {me}"))
                        refused_write = "no"
                    except ProjectError as err:
                        refused_write = str(err)
            except Exception as err:  # noqa: BLE001 - reported to the test
                names, refused_write = [f"read-only open failed: {err}"], ""
            results.put((i, me, "refused", str(exc), os.getpid(), exc.locked, names, refused_write))
            barrier.wait()  # the writer closes after this
        else:
            p.put_scenario(Scenario(f"written by {me}"))
            results.put((i, me, "writer", "", os.getpid(), False, p.scenario_names, ""))
            barrier.wait()
            p.close()
        barrier.wait()  # the file is closed before the next race


def test_two_processes_racing_for_a_project_exactly_one_writes(small, tmp_path):
    paths = []
    for i in range(RACES):
        path = tmp_path / f"race{i}.kcplan"
        Project.create(path, small, scenarios=[Scenario("Base")]).close()
        paths.append(str(path))
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2, timeout=60)
    results = ctx.Queue()
    procs = [ctx.Process(target=_racer, args=(paths, barrier, results, me)) for me in (0, 1)]
    for p in procs:
        p.start()
    got = [results.get(timeout=120) for _ in range(2 * RACES)]
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    user, host = current_user(), host_name()
    for i in range(RACES):
        pair = sorted((r for r in got if r[0] == i), key=lambda r: r[2])
        assert [r[2] for r in pair] == ["refused", "writer"], f"race {i}: {pair}"
        refused, writer = pair
        message = refused[3]
        assert message.startswith(f"{paths[i]}: the project is open in another kcplanner window (user {user} on "
                                  f"{host}, process {writer[4]}, since ")
        assert "close it there first, or open it read-only" in message
        assert refused[5] is True            # held by a running kcplanner: never "open anyway"
        assert "Base" in refused[6]           # the read-only open works …
        assert "open read-only" in refused[7]  # … and refuses writes
        with Project.open(paths[i], read_only=True) as p:  # the file has the writer's scenario only
            assert p.scenario_names == ["Base", f"written by {writer[1]}"]
            assert p.check() == []
        assert not lock_path(paths[i]).exists()  # released and removed on close


def test_a_second_open_in_the_same_process_is_refused_and_read_only_works(small, tmp_path):
    path = tmp_path / "p.kcplan"
    p = Project.create(path, small, scenarios=[Scenario("S")])
    info = holder(path)
    assert info is not None and info.pid == os.getpid() and info.user == current_user()
    assert json.loads(lock_path(path).read_text())["host"] == host_name()
    with pytest.raises(ProjectError, match="already open in this kcplanner"):
        Project.open(path)
    with pytest.raises(LockHeld, match="open in another window of this kcplanner"):
        ProjectLock.acquire(path)
    with Project.open(path, read_only=True) as ro:
        assert ro.read_only and ro.scenario_names == ["S"]
        with pytest.raises(ProjectError, match="open read-only"):
            ro.put_scenario(Scenario("T"))
        with pytest.raises(ProjectError, match="open read-only"):
            ro.save()
    p.close()
    assert holder(path) is None and not lock_path(path).exists()
    with Project.open(path) as again:
        assert again.recovered is None


def test_project_held_by_another_process_names_user_host_and_pid(small, tmp_path):
    path = tmp_path / "held.kcplan"
    rule = Rule("Police", Target(department="Police"), "percent", 0)
    Project.create(path, small, scenarios=[Scenario("Kill", (rule,))]).close()
    proc = subprocess.Popen([sys.executable, str(CHILD), str(path), "--save-every", "1000000"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().startswith("ready")
        with pytest.raises(ProjectInUse) as err:
            Project.open(path)
        assert str(err.value) == (f"{path}: the project is open in another kcplanner window (user {current_user()} "
                                  f"on {host_name()}, process {proc.pid}, since {holder(path).time}). Only one "
                                  "kcplanner can change a project at a time: close it there first, or open it "
                                  "read-only to look at it.")
        assert err.value.locked and err.value.same_computer
        with pytest.raises(ProjectInUse):  # take_over does not break a live lock
            Project.open(path, take_over=True)
        with pytest.raises(ProjectInUse, match="open in another kcplanner window"):  # nor replace the file
            Project.create(path, small)
        with Project.open(path, read_only=True) as ro:
            assert "Kill" in ro.scenario_names
    finally:
        proc.kill()
        proc.communicate(timeout=30)
    # killed: its lock file stays (with its pid) but the OS lock is gone → taken over, recovered
    assert lock_path(path).exists() and json.loads(lock_path(path).read_text())["pid"] == proc.pid
    assert holder(path) is None
    with Project.open(path) as p:
        assert p.recovered is not None and "did not close cleanly" in p.recovered.message
        assert json.loads(lock_path(path).read_text())["pid"] == os.getpid()
    assert not lock_path(path).exists()


def test_stale_lock_file_from_a_crash_in_this_process_is_taken_over(small, tmp_path):
    path = tmp_path / "crash.kcplan"
    p = Project.create(path, small, scenarios=[Scenario("S")])
    p.put_scenario(Scenario("T"))
    simulate_crash(p)  # as a killed process: the lock file stays, its OS lock is gone
    assert lock_path(path).exists() and holder(path) is None
    with Project.open(path) as again:
        assert again.recovered is not None and again.scenario_names == ["S", "T"]


def test_save_as_needs_the_target_lock_and_leaves_no_sidecars(small, tmp_path):
    a, b = tmp_path / "a.kcplan", tmp_path / "b.kcplan"
    p = Project.create(a, small, scenarios=[Scenario("S")])
    p.put_scenario(Scenario("T"))
    other = ProjectLock.acquire(b)  # someone has b open
    with pytest.raises(ProjectInUse, match="b.kcplan: the project is open in another window"):
        p.save_as(b)
    assert not b.exists() and p.path == a and not p.closed
    other.release()
    p.put_scenario(Scenario("U"))
    p.save_as(b)
    assert p.path == b and holder(b) is not None and holder(a) is None
    assert not Path(str(a) + "-wal").exists() and not Path(str(a) + "-shm").exists()
    p.put_scenario(Scenario("V"))
    p.close()
    assert sorted(f.name for f in tmp_path.iterdir()) == ["a.kcplan", "b.kcplan"]  # no -wal, -shm, lock, tmp
    with Project.open(b, read_only=True) as ro:
        assert ro.scenario_names == ["S", "T", "U", "V"]
    with Project.open(a, read_only=True) as ro:
        assert ro.scenario_names == ["S", "T", "U"]
    # an untitled project being named: the original goes, with its sidecars and lock
    c = tmp_path / "c.kcplan"
    with Project.open(b) as q:
        q.save_as(c, keep_original=False)
    assert sorted(f.name for f in tmp_path.iterdir()) == ["a.kcplan", "c.kcplan"]


def test_lock_file_of_another_user_names_the_holder_or_is_taken_when_stale(small, tmp_path, monkeypatch):
    """On a shared folder the lock file may belong to another user (0644: no write access for us)."""
    import kcplanner.project.lock as lock_module

    path = tmp_path / "shared.kcplan"
    Project.create(path, small, scenarios=[Scenario("S")]).close()
    other = ProjectLock.acquire(path, user="jdoe")  # "another user's" kcplanner holds it
    real_open = os.open

    def no_write(p, flags, *args):  # what a 0644 file of another user does
        if str(p) == str(lock_path(path)) and flags & (os.O_RDWR | os.O_WRONLY) and lock_path(path).exists():
            raise PermissionError(13, "Permission denied")
        return real_open(p, flags, *args)
    monkeypatch.setattr(lock_module.os, "open", no_write)
    with pytest.raises(ProjectInUse, match=r"open in another window of this kcplanner"):
        Project.open(path)  # (the holder is this very process here; from elsewhere it names user and host)
    other.release(remove=False)  # it died: its file stays
    with Project.open(path) as p:  # the stale file is removed and a new one made
        assert p.recovered is None and json.loads(lock_path(path).read_text())["pid"] == os.getpid()


def test_read_only_folder_gives_a_message_not_a_traceback(small, tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root ignores folder permissions")
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "p.kcplan"
    Project.create(path, small, scenarios=[Scenario("S")]).close()
    before = sha(path)
    folder.chmod(0o555)
    try:
        with pytest.raises(ProjectError, match=r"cannot create the lock file \.p\.kcplan\.lock .*the project can be "
                                               "opened read-only"):
            Project.open(path)
        with Project.open(path, read_only=True) as ro:
            assert ro.scenario_names == ["S"]
    finally:
        folder.chmod(0o755)
    assert sha(path) == before


# -- the view state ---------------------------------------------------------------------------------

def test_view_state_is_kept_in_the_file_and_is_not_an_edit(small, tmp_path):
    path = tmp_path / "view.kcplan"
    with Project.create(path, small, scenarios=[Scenario("A"), Scenario("B")]) as p:
        assert read_view_state(p) == {}
        n = len(p.history())
        assert write_view_state(p, {"scenario": "B", "tab": "Rules", "year": 2029}) is True
        assert write_view_state(p, {"scenario": "B", "tab": "Rules", "year": 2029}) is False  # unchanged
        assert p.unsaved_edits == 0 and len(p.history()) == n  # a view change is not an edit
    with Project.open(path, read_only=True) as ro:
        assert read_view_state(ro) == {"scenario": "B", "tab": "Rules", "year": 2029}
        assert write_view_state(ro, {"scenario": "A"}) is False  # read-only: nothing written
    con = sqlite3.connect(path)
    con.execute("UPDATE meta SET value = '{not json' WHERE key = 'view'")
    con.commit()
    con.close()
    with Project.open(path) as p:
        assert read_view_state(p) == {}  # a damaged entry is ignored, never an error
