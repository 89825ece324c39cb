"""A throwaway PostgreSQL server for the team-mode tests: initdb in a temporary folder, loopback
only (127.0.0.1, a free port, its unix socket in that folder), trust authentication, stopped and
removed at the end.

initdb and postgres refuse to run as root, and CI runs as root: the server then runs as the
`postgres` user Debian's package creates (else `nobody`), through subprocess's own user switch.
Without the binaries the tests are skipped outside CI and fail in CI (env CI=true), so a CI
machine that lost its `postgresql` package cannot pass by skipping.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ADMIN = "kcadmin"


def find_bindir() -> Path | None:
    """The folder with initdb and pg_ctl: $PG_BINDIR, Debian's /usr/lib/postgresql/<newest>/bin, then PATH."""
    candidates = [os.environ.get("PG_BINDIR", "")]
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(str(Path(initdb).resolve().parent))
    for c in candidates:
        if c and (Path(c) / "initdb").is_file() and (Path(c) / "pg_ctl").is_file():
            return Path(c)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_account() -> pwd.struct_passwd | None:
    """Who runs the server: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root and there is no `postgres` or `nobody` user to run PostgreSQL as")


@dataclass
class PgServer:
    bindir: Path
    folder: Path
    port: int
    account: pwd.struct_passwd | None
    log: Path
    durable: bool = False    # fsync each commit as a production server does (tests: off, for speed)

    @property
    def host(self) -> str:
        return "127.0.0.1"

    def url(self, dbname: str = "postgres", user: str = ADMIN) -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{dbname}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        kwargs = {}
        if self.account is not None:
            kwargs = {"user": self.account.pw_uid, "group": self.account.pw_gid, "extra_groups": []}
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
        return subprocess.run([str(self.bindir / args[0]), *args[1:]], capture_output=True, text=True,
                              env=env, cwd=str(self.folder), check=check, timeout=120, **kwargs)

    def start(self) -> None:
        data = self.folder / "data"
        try:
            self._run("initdb", "-D", str(data), "-U", ADMIN, "--auth=trust", "-E", "UTF8", "--no-sync")
        except subprocess.CalledProcessError as exc:
            raise RuntimeError(f"initdb failed: {exc.stderr or exc.stdout}") from None
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.folder} "
                   "-c max_connections=120")
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        done = self._run("pg_ctl", "-D", str(data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start",
                         check=False)
        if done.returncode != 0:
            text = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"the test PostgreSQL server did not start: {done.stderr}{text[-2000:]}")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop", check=False)


def start_server(durable: bool = False) -> PgServer:
    """Start a server; RuntimeError (with the reason) when it cannot be done."""
    bindir = find_bindir()
    if bindir is None:
        raise FileNotFoundError("PostgreSQL's initdb and pg_ctl were not found (install Debian's `postgresql` "
                                "package, or set PG_BINDIR)")
    account = _server_account()
    folder = Path(tempfile.mkdtemp(prefix="kcplanner-pg-"))
    if account is not None:
        os.chown(folder, account.pw_uid, account.pw_gid)
    server = PgServer(bindir, folder, _free_port(), account, folder / "server.log", durable)
    try:
        server.start()
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return server


def remove_server(server: PgServer) -> None:
    server.stop()
    for _ in range(50):  # the postmaster may take a moment to let go of its folder
        shutil.rmtree(server.folder, ignore_errors=True)
        if not server.folder.exists():
            return
        time.sleep(0.1)
