"""Test databases cloned from a template migrated once per session, on SQLite and PostgreSQL.

A test's database used to be migrated from nothing, the demo organisation imported and the
demo accounts created, by every app start: most of a database test's set-up. The template
holds exactly what that start-up writes (schema at head, the demo org, the demo accounts), so
the app's start on a clone finds it all there, as a restart would; the start-up's own code
built it. Tests of start-up on an empty database (migrations, demo mode, the schema) ask for
an empty one with the `empty_database` marker.

The template's name carries a digest of what decides its content (the migrations, the demo
org, the demo accounts' module), so a changed migration gets a fresh template; templates of
other digests left by earlier runs are dropped once nobody has used them for a while."""

from __future__ import annotations

import hashlib
import os
import queue
import shutil
import sqlite3
import threading
import time
import uuid
from pathlib import Path

import psycopg

from service.core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN = os.environ.get("YUQING_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
TEMPLATE_PREFIX = "yuqing_tpl_"
STALE_SECONDS = 3 * 3600  # longer than any run (CI's limit is 90 min): a template still in use is kept
_LOCK = 0x79757169  # advisory lock: one worker builds the template, the others wait for it


def template_digest() -> str:
    """Digest of the files whose change changes the template's content."""
    h = hashlib.sha256()
    files = sorted((ROOT / "service" / "migrations").rglob("*.py"))
    files += [ROOT / "routing" / "data" / "demo_org.yaml", ROOT / "service" / "auth" / "demo.py", ROOT / "service" / "auth" / "passwords.py",
              ROOT / "tests" / "support" / "passwords.py"]  # the demo accounts' hash parameters
    for path in files:
        h.update(path.relative_to(ROOT).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def pg_url(name: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"


def fill(url: str) -> None:
    """What an app start in the tests' demo configuration writes to an empty database."""
    from service.auth.demo import ensure_demo_accounts
    from service.core.db import get_engine, migrate
    from service.orgs.store import ensure_org

    settings = Settings(database_url=url, demo=True, demo_force=True, redis_url=None, _env_file=None)
    migrate(url)
    ensure_org(settings)
    ensure_demo_accounts(settings)
    get_engine(url).dispose()  # no connection left open on the template
    get_engine.cache_clear()


# ---- SQLite: a migrated file, copied per test ----

def sqlite_template(directory: Path) -> Path:
    path = directory / f"template-{template_digest()}.db"
    if not path.exists():
        building = directory / f"building-{uuid.uuid4().hex[:8]}.db"
        fill(f"sqlite:///{building}")
        with sqlite3.connect(building) as conn:  # everything in the main file: a copy is complete
            conn.execute("PRAGMA journal_mode=DELETE")
        building.replace(path)
    return path


def sqlite_clone(template: Path, target: Path) -> str:
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


# ---- PostgreSQL: CREATE DATABASE ... TEMPLATE ----

def pg_template() -> str:
    """The current template's name, built if missing (under an advisory lock, so concurrent
    workers build it once); stale templates of other digests are dropped."""
    name = TEMPLATE_PREFIX + template_digest()
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", [_LOCK])
        try:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                _build(conn, name)
            conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{int(time.time())}'")  # last used
            _drop_stale(conn, keep=name)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", [_LOCK])
    return name


def _build(conn: psycopg.Connection, name: str) -> None:
    building = f"{TEMPLATE_PREFIX}building_{uuid.uuid4().hex[:8]}"
    conn.execute(f'CREATE DATABASE "{building}"')
    try:
        fill(pg_url(building))
    except BaseException:
        conn.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
        raise
    conn.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
    # no session may connect to it: one would make every CREATE DATABASE ... TEMPLATE fail
    conn.execute(f'ALTER DATABASE "{name}" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false')


def _drop_stale(conn: psycopg.Connection, keep: str) -> None:
    rows = conn.execute(
        "SELECT d.datname, shobj_description(d.oid, 'pg_database') FROM pg_database d WHERE d.datname LIKE %s",
        [TEMPLATE_PREFIX.replace("_", r"\_") + "%"]).fetchall()
    now = time.time()
    for datname, used in rows:
        if datname == keep:
            continue
        last = int(used) if used and used.isdigit() else 0  # a build that died left no comment
        if now - last < STALE_SECONDS:
            continue
        conn.execute(f'ALTER DATABASE "{datname}" WITH IS_TEMPLATE false')
        conn.execute(f'DROP DATABASE IF EXISTS "{datname}" WITH (FORCE)')


def pg_create(template: str | None) -> str:
    """A new database (a clone of `template`, or empty); returns its name."""
    name = f"yuqing_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return name


def pg_drop(name: str) -> None:
    from service.core.db import get_engine

    get_engine.cache_clear()  # release pooled connections before dropping
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Clones:
    """Clones made one test ahead, in a thread: a CREATE DATABASE ... TEMPLATE takes 0.03 s on a
    quiet server but 0.3–0.6 s in a run (it writes the whole template to the WAL and waits for
    the flush), most of a PostgreSQL test's set-up. Each `take` hands out a clone made while
    the previous test ran (or makes one if none is ready) and asks for the next. Clones not
    taken are dropped at `close` or when their template goes (`forget`)."""

    def __init__(self) -> None:
        self._ready: dict[str, list[str]] = {}
        self.made_ahead: list[str] = []
        self._lock = threading.Lock()  # held while a clone is made or a template forgotten
        self._wanted: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="clone-test-databases", daemon=True)
        self._thread.start()

    def take(self, template: str) -> str:
        with self._lock:
            ready = self._ready.setdefault(template, [])
            name = ready.pop() if ready else None
        self._wanted.put(template)
        return name or pg_create(template)

    def forget(self, template: str) -> None:
        with self._lock:
            unused = self._ready.pop(template, [])
        for name in unused:
            pg_drop(name)

    def close(self) -> None:
        self._wanted.put(None)
        self._thread.join()
        for template in list(self._ready):
            self.forget(template)

    def _run(self) -> None:
        while (template := self._wanted.get()) is not None:
            with self._lock:
                if template not in self._ready:  # forgotten meanwhile
                    continue
                try:
                    name = pg_create(template)
                    self._ready[template].append(name)
                    self.made_ahead.append(name)
                except psycopg.Error as exc:  # the next take makes its own
                    print(f"could not clone {template} ahead: {exc}")


class Dropper:
    """Drops finished tests' databases in a thread: a DROP DATABASE (up to a second or two on a
    busy server) then overlaps the next test instead of lengthening each one."""

    def __init__(self) -> None:
        self._names: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="drop-test-databases", daemon=True)
        self._thread.start()

    def drop(self, name: str) -> None:
        from service.core.db import get_engine

        get_engine.cache_clear()  # the test's pooled connections go now; FORCE ends any left
        self._names.put(name)

    def close(self) -> None:
        self._names.put(None)
        self._thread.join()

    def _run(self) -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            while (name := self._names.get()) is not None:
                try:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                except psycopg.Error as exc:  # one left behind is named, the others still go
                    print(f"could not drop test database {name}: {exc}")


# ---- the demo history (45 days, seed 1), seeded once per worker and cloned per test ----
# Its times are relative to the moment it is seeded, so it lives for one session only; tests
# marked `demo_history` get a clone instead of seeding it themselves (about 10 s of CPU each).

HISTORY_PREFIX = TEMPLATE_PREFIX + "hist_"  # stale ones (a killed worker's) go with _drop_stale


def seed_history(url: str) -> dict:
    """What `yuqing demo-data` would write (45 days, seed 1): returns its counts."""
    from service.core.db import get_engine
    from service.reports.demo_data import seed_demo_data

    settings = Settings(database_url=url, demo=True, demo_force=True, redis_url=None, _env_file=None)
    made = seed_demo_data(settings, days=45, seed=1)
    get_engine(url).dispose()
    get_engine.cache_clear()
    return made


def sqlite_history(base: Path, directory: Path) -> tuple[Path, dict]:
    path = directory / f"history-{uuid.uuid4().hex[:8]}.db"
    made = seed_history(sqlite_clone(base, path))
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
    return path, made


def pg_history(base: str) -> tuple[str, dict]:
    name = HISTORY_PREFIX + uuid.uuid4().hex[:12]
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{base}"')
        conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{int(time.time())}'")
    made = seed_history(pg_url(name))
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false')
        # a connection the seeding left (a pool of another thread) would make every clone fail
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name])
    return name, made


def pg_drop_template(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" WITH IS_TEMPLATE false')
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
