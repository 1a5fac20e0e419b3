#!/usr/bin/env python3
"""Peer comparison for quire's benchmark: the Python `eventsourcing` library
on its own SQLite persistence, running the same workload as quire's bench.

Run through tools/peer/run.sh (it makes the virtualenv). Two measurements:

1. Durable command rate: ImportSession lifecycles of 5 commands
   (create, access, update, update, complete); every command but create
   first loads the aggregate from the repository, and every command is one
   `app.save(...)`, i.e. one SQLite transaction committed with the
   synchronous setting reported below.
2. Replay: a log of N events written in batches, then read back in order
   with `recorder.select_notifications(start, limit)` pages, each
   notification decoded with `app.mapper.to_domain_event(...)` and folded
   into aggregate states with the event's own `mutate()`.

All timings use time.perf_counter; warm-up work is excluded; the reported
figure is the median of --repeat timed runs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from importlib.metadata import version as pkg_version
from uuid import UUID, uuid4

from functools import singledispatchmethod

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import ListenNotifySubscription, Tracking
from eventsourcing.projection import Projection, ProjectionRunner
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteConnectionPool,
    SQLiteFactory,
    SQLiteTrackingRecorder,
)

# --------------------------------------------------------------------------
# Domain: the same aggregate and events as quire's ImportSession.
# --------------------------------------------------------------------------


class ImportSession(Aggregate):
    @event("Created")
    def __init__(
        self,
        owner_id: UUID,
        name: str,
        file_name: str,
        json_hash: str,
        question_count: int,
    ) -> None:
        self.owner_id = owner_id
        self.name = name
        self.file_name = file_name
        self.json_hash = json_hash
        self.question_count = question_count
        self.status = "active"
        self.step = "upload"
        self.progress = 0
        self.questions_imported = 0
        self.last_accessed: str | None = None

    @event("Accessed")
    def access(self, at: str) -> None:
        self.last_accessed = at

    @event("Updated")
    def update(
        self,
        step: str | None = None,
        progress: int | None = None,
        questions_imported: int | None = None,
    ) -> None:
        if step is not None:
            self.step = step
        if progress is not None:
            self.progress = progress
        if questions_imported is not None:
            self.questions_imported = questions_imported

    @event("Completed")
    def complete(self) -> None:
        self.status = "completed"
        self.step = "done"
        self.progress = 100


class Sessions(Application):
    """The application; its persistence comes from the environment."""


# --------------------------------------------------------------------------
# Persistence configuration.
# --------------------------------------------------------------------------


class FullSyncSQLiteFactory(SQLiteFactory):
    """The library's SQLite factory, unchanged except that every connection
    its pool opens also runs `PRAGMA synchronous=FULL`.

    Only used when the library's default connections do not already run
    with synchronous=FULL (the library itself never sets `synchronous`; it
    inherits SQLite's compile-time default). Selected through the library's
    own extension point: PERSISTENCE_MODULE may name an InfrastructureFactory
    subclass. No library code is patched.
    """

    def __init__(self, env):  # type: ignore[no-untyped-def]
        super().__init__(env)
        self.datastore.pool.__class__ = _FullSyncPool


class _FullSyncPool(SQLiteConnectionPool):
    def _create_connection(self):  # type: ignore[no-untyped-def]
        conn = super()._create_connection()
        conn._sqlite_conn.execute("PRAGMA synchronous=FULL")
        return conn


SYNC_NAMES = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


def app_env(db_path: str, full_sync_hook: bool) -> dict[str, str]:
    return {
        "PERSISTENCE_MODULE": (
            f"{__name__}:FullSyncSQLiteFactory"
            if full_sync_hook
            else "eventsourcing.sqlite"
        ),
        "SQLITE_DBNAME": db_path,
    }


def make_app(db_path: str, full_sync_hook: bool) -> Sessions:
    return Sessions(env=app_env(db_path, full_sync_hook))


def connection_pragmas(app: Sessions) -> dict[str, str]:
    """What the library's own reader and writer connections actually run."""
    out: dict[str, str] = {}
    ds = app.recorder.datastore  # type: ignore[attr-defined]
    for label, commit in (("writer", True), ("reader", False)):
        with ds.transaction(commit=commit) as c:
            c.execute("PRAGMA synchronous")
            sync = c.fetchone()[0]
            c.execute("PRAGMA journal_mode")
            jm = c.fetchone()[0]
        out[f"{label}_synchronous"] = SYNC_NAMES.get(sync, str(sync))
        out[f"{label}_journal_mode"] = jm
    return out


# --------------------------------------------------------------------------
# Projection: each user's session list, as a SQLite materialised view.
# --------------------------------------------------------------------------
#
# Written the way eventsourcing 9.5.6's documentation shows a projection: a
# TrackingRecorder subclass is the materialised view (its own tables, created
# by extending construct_create_table_statements, and methods that write a row
# and the tracking record in one transaction), a Projection subclass routes
# each domain event to the view with @singledispatchmethod, and a
# ProjectionRunner subscribes to the application and feeds the projection.


class PollingSubscription(ListenNotifySubscription):
    """The library's own ListenNotifySubscription, woken by a short poll
    instead of a database notification.

    eventsourcing 9.5.6's SQLiteApplicationRecorder.subscribe() raises
    NotImplementedError (only PostgreSQL and POPO recorders can be subscribed
    to), so without this a ProjectionRunner cannot run on a SQLite application.
    The pull loop, its page size (500) and its queue are the library's; only
    the wake-up differs, and it never waits while there are events to read.
    """

    def _loop_on_pull(self) -> None:
        try:
            self._pull()
            while not self._has_been_stopped:
                self._has_been_notified.wait(timeout=0.05)
                self._pull()
        except BaseException as e:  # as the library's loop does
            if self._thread_error is None:
                self._thread_error = e
            self.stop()


class SubscribableSQLiteApplicationRecorder(SQLiteApplicationRecorder):
    """The library's SQLite application recorder plus subscribe(); selected
    with the library's APPLICATION_RECORDER_TOPIC setting, nothing patched."""

    def subscribe(self, gt=None, topics=()):  # type: ignore[no-untyped-def]
        return PollingSubscription(recorder=self, gt=gt, topics=topics)


class SessionListView(SQLiteTrackingRecorder):
    """The materialised view: one row per session, listed by owner, most
    recently updated first (the index quire's session list reads)."""

    def construct_create_table_statements(self) -> list[str]:
        statements = super().construct_create_table_statements()
        statements.append(
            "CREATE TABLE IF NOT EXISTS session_list ("
            "session_id TEXT PRIMARY KEY, owner_id TEXT NOT NULL, name TEXT, "
            "file_name TEXT, json_hash TEXT, question_count INTEGER, "
            "status TEXT, step TEXT, progress INTEGER, "
            "questions_imported INTEGER, version INTEGER, created_at TEXT, "
            "updated_at TEXT, last_accessed_at TEXT)"
        )
        statements.append(
            "CREATE INDEX IF NOT EXISTS session_list_by_owner "
            "ON session_list(owner_id, updated_at DESC)"
        )
        return statements

    def _write(self, statement: str, params: tuple, tracking: Tracking) -> None:
        # The row and the tracking record commit together: the view is never
        # ahead of or behind what it says it has processed.
        with self.datastore.transaction(commit=True) as c:
            c.execute(statement, params)
            self._insert_tracking(c, tracking)

    def created(self, sid: str, owner: str, name: str, file_name: str, json_hash: str,
                question_count: int, version: int, at: str, tracking: Tracking) -> None:
        self._write(
            "INSERT INTO session_list VALUES (?, ?, ?, ?, ?, ?, 'in_progress', "
            "'upload', 0, 0, ?, ?, ?, NULL)",
            (sid, owner, name, file_name, json_hash, question_count, version, at, at),
            tracking,
        )

    def accessed(self, sid: str, version: int, at: str, tracking: Tracking) -> None:
        self._write(
            "UPDATE session_list SET last_accessed_at = ?, version = ? WHERE session_id = ?",
            (at, version, sid),
            tracking,
        )

    def updated(self, sid: str, step: str | None, progress: int | None,
                questions_imported: int | None, version: int, at: str,
                tracking: Tracking) -> None:
        self._write(
            "UPDATE session_list SET step = COALESCE(?, step), "
            "progress = COALESCE(?, progress), "
            "questions_imported = COALESCE(?, questions_imported), "
            "version = ?, updated_at = ? WHERE session_id = ?",
            (step, progress, questions_imported, version, at, sid),
            tracking,
        )

    def completed(self, sid: str, version: int, at: str, tracking: Tracking) -> None:
        self._write(
            "UPDATE session_list SET status = 'completed', step = 'done', "
            "progress = 100, version = ?, updated_at = ? WHERE session_id = ?",
            (version, at, sid),
            tracking,
        )

    def count(self, status: str) -> int:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT COUNT(*) FROM session_list WHERE status = ?", (status,))
            return c.fetchone()[0]


class SessionList(Projection[SessionListView]):
    name = "sessionlist"  # prefixes its settings: SESSIONLIST_SQLITE_DBNAME

    @singledispatchmethod
    def process_event(self, domain_event, tracking: Tracking) -> None:  # type: ignore[no-untyped-def]
        pass

    @process_event.register
    def _(self, e: ImportSession.Created, tracking: Tracking) -> None:
        self.view.created(str(e.originator_id), str(e.owner_id), e.name, e.file_name, e.json_hash,
                          e.question_count, e.originator_version, e.timestamp.isoformat(), tracking)

    @process_event.register
    def _(self, e: ImportSession.Accessed, tracking: Tracking) -> None:
        self.view.accessed(str(e.originator_id), e.originator_version, e.at, tracking)

    @process_event.register
    def _(self, e: ImportSession.Updated, tracking: Tracking) -> None:
        self.view.updated(str(e.originator_id), e.step, e.progress, e.questions_imported,
                          e.originator_version, e.timestamp.isoformat(), tracking)

    @process_event.register
    def _(self, e: ImportSession.Completed, tracking: Tracking) -> None:
        self.view.completed(str(e.originator_id), e.originator_version, e.timestamp.isoformat(), tracking)


def measure_projection(app_env: dict[str, str], view_path: str, n_events: int) -> tuple[float, int]:
    """Builds the session-list view from the whole log with a ProjectionRunner,
    into a fresh view database; returns (events/s, completed sessions).
    Timed from the runner's start until the view has tracked the last event."""
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(view_path + suffix)
    env = dict(app_env)
    env["APPLICATION_RECORDER_TOPIC"] = f"{__name__}:SubscribableSQLiteApplicationRecorder"
    env["SESSIONLIST_SQLITE_DBNAME"] = view_path
    t0 = time.perf_counter()
    with ProjectionRunner(
        application_class=Sessions,
        projection_class=SessionList,
        view_class=SessionListView,
        env=env,
    ) as runner:
        runner.wait(n_events, timeout=3600)
        dt = time.perf_counter() - t0
        completed = runner.view.count("completed")
    return n_events / dt, completed


# --------------------------------------------------------------------------
# Workload.
# --------------------------------------------------------------------------

USERS = [uuid4() for _ in range(10)]
PAPER = {
    "name": "Physics mock exam",
    "file_name": "physics-mock.json",
    "json_hash": "9f2c" * 16,  # 64 hex chars, like a SHA-256
    "question_count": 10,
}


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


def run_commands(app: Sessions, n_commands: int, session_base: int) -> int:
    """Runs n_commands commands (whole 5-command cycles); returns count."""
    repo = app.repository
    done = 0
    i = session_base
    while done < n_commands:
        owner = USERS[i % len(USERS)]
        i += 1
        # 1. create
        s = ImportSession(owner_id=owner, **PAPER)
        sid = s.id
        app.save(s)
        # 2. access
        s = repo.get(sid)
        s.access(now_iso())
        app.save(s)
        # 3. update(step="questions", progress=50)
        s = repo.get(sid)
        s.update(step="questions", progress=50)
        app.save(s)
        # 4. update(progress=90, questions_imported=8)
        s = repo.get(sid)
        s.update(progress=90, questions_imported=8)
        app.save(s)
        # 5. complete
        s = repo.get(sid)
        s.complete()
        app.save(s)
        done += 5
    return done


def measure_commands(
    app: Sessions, n_commands: int, warmup: int, repeat: int
) -> list[float]:
    base = 0
    run_commands(app, warmup, base)
    base += warmup
    rates = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        done = run_commands(app, n_commands, base)
        dt = time.perf_counter() - t0
        base += done
        rates.append(done / dt)
    return rates


def write_log(app: Sessions, n_events: int, batch_sessions: int = 200) -> int:
    """Writes n_events events (5-event lifecycles) in batched transactions."""
    written = 0
    i = 0
    while written < n_events:
        batch = []
        while len(batch) < batch_sessions and written < n_events:
            s = ImportSession(owner_id=USERS[i % len(USERS)], **PAPER)
            i += 1
            written += 1
            steps = (
                lambda: s.access(now_iso()),
                lambda: s.update(step="questions", progress=50),
                lambda: s.update(progress=90, questions_imported=8),
                lambda: s.complete(),
            )
            for step in steps:
                if written >= n_events:
                    break
                step()
                written += 1
            batch.append(s)
        app.save(*batch)  # one transaction per batch
    return written


def replay(app: Sessions, page: int, limit_events: int | None = None):
    """Reads every stored event in order, decodes it through the library's
    mapper and folds it into aggregate states. Returns (events, states)."""
    recorder = app.recorder
    to_domain_event = app.mapper.to_domain_event
    states: dict[UUID, ImportSession] = {}
    n = 0
    start = 1
    while True:
        notifications = recorder.select_notifications(start, page)
        if not notifications:
            break
        for nt in notifications:
            ev = to_domain_event(nt)
            oid = ev.originator_id
            states[oid] = ev.mutate(states.get(oid))
            n += 1
        start = notifications[-1].id + 1
        if limit_events is not None and n >= limit_events:
            break
    return n, states


def measure_replay(
    app: Sessions, n_events: int, page: int, repeat: int
) -> list[float]:
    # Warm-up: one untimed pass over the first pages (and the page cache).
    replay(app, page, limit_events=min(n_events, 10 * page))
    rates = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        n, states = replay(app, page)
        dt = time.perf_counter() - t0
        if n != n_events:
            raise SystemExit(f"replay read {n} events, expected {n_events}")
        # Sanity: every complete lifecycle ends completed.
        done = sum(1 for s in states.values() if s.status == "completed")
        if done != n_events // 5:
            raise SystemExit(f"folded {done} completed sessions, expected {n_events // 5}")
        rates.append(n / dt)
    return rates


def decode_only(app: Sessions, page: int) -> int:
    """Read + decode through the mapper, no fold (context figure only)."""
    recorder = app.recorder
    to_domain_event = app.mapper.to_domain_event
    n = 0
    start = 1
    while True:
        notifications = recorder.select_notifications(start, page)
        if not notifications:
            return n
        for nt in notifications:
            to_domain_event(nt)
            n += 1
        start = notifications[-1].id + 1


def bare_sqlite_commit_ceiling(dir_path: str, commits: int = 1000) -> float:
    """Context: how many one-row WAL + synchronous=FULL commits per second
    plain sqlite3 manages in the same temp dir: the disk's fsync ceiling,
    which bounds any durable one-transaction-per-command rate here."""
    c = sqlite3.connect(os.path.join(dir_path, "ceiling.db"), isolation_level=None)
    c.execute("PRAGMA journal_mode=WAL")
    c.execute("PRAGMA synchronous=FULL")
    c.execute("CREATE TABLE t(x)")
    for i in range(20):  # warm-up
        c.execute("BEGIN"); c.execute("INSERT INTO t VALUES (?)", (i,)); c.execute("COMMIT")
    t0 = time.perf_counter()
    for i in range(commits):
        c.execute("BEGIN"); c.execute("INSERT INTO t VALUES (?)", (i,)); c.execute("COMMIT")
    dt = time.perf_counter() - t0
    c.close()
    return commits / dt


# --------------------------------------------------------------------------
# Main.
# --------------------------------------------------------------------------


def main() -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--commands", type=int, default=5000)
    ap.add_argument("--events", type=int, default=200_000)
    ap.add_argument("--smoke", action="store_true", help="500 commands, 5,000 events")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs; median reported")
    ap.add_argument("--projection-events", type=int, default=0,
                    help="build the session-list view from the first N events (default: all)")
    ap.add_argument("--page", type=int, default=1000, help="replay page size")
    ap.add_argument("--json", default=os.path.join(here, "last-run.json"))
    args = ap.parse_args()
    if args.smoke:
        args.commands, args.events = 500, 5000
    # Whole lifecycles keep both workloads identical in shape.
    args.commands = max(5, args.commands - args.commands % 5)
    args.events = max(5, args.events - args.events % 5)
    warmup = max(50, min(500, args.commands // 10))
    warmup -= warmup % 5

    load_before = os.getloadavg()
    tmp = tempfile.mkdtemp(prefix="quire-peer-")
    try:
        # ---- durable commands, with the library's default connections ----
        app = make_app(os.path.join(tmp, "commands-default.db"), full_sync_hook=False)
        default_pragmas = connection_pragmas(app)
        default_is_full = (
            default_pragmas["writer_synchronous"] == "FULL"
            and default_pragmas["reader_synchronous"] == "FULL"
        )
        default_rates = measure_commands(app, args.commands, warmup, args.repeat)
        app.close()

        full_rates = default_rates
        full_pragmas = default_pragmas
        if not default_is_full:
            # Measure again with FULL forced through the factory hook.
            app = make_app(os.path.join(tmp, "commands-full.db"), full_sync_hook=True)
            full_pragmas = connection_pragmas(app)
            full_rates = measure_commands(app, args.commands, warmup, args.repeat)
            app.close()

        # ---- replay ----
        app = make_app(os.path.join(tmp, "replay.db"), full_sync_hook=not default_is_full)
        t0 = time.perf_counter()
        written = write_log(app, args.events)
        write_s = time.perf_counter() - t0
        replay_rates = measure_replay(app, written, args.page, args.repeat)
        t0 = time.perf_counter()
        decode_only(app, args.page)
        decode_only_rate = written / (time.perf_counter() - t0)
        app.close()

        # ---- the session-list view, built from the same log by a ProjectionRunner ----
        # One transaction (so one fsync) per event is how the library's view records
        # its tracking; --projection-events bounds the run on a slow disk (the view is
        # then timed until it has tracked that many of the log's events).
        projected = min(written, args.projection_events or written)
        projection_rate, projected_completed = measure_projection(
            app_env(os.path.join(tmp, "replay.db"), not default_is_full),
            os.path.join(tmp, "view.db"), projected)
        if projected_completed < projected // 5:
            raise SystemExit(f"the view holds {projected_completed} completed sessions, expected {projected // 5}")

        ceiling = bare_sqlite_commit_ceiling(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    lib_version = pkg_version("eventsourcing")
    sync_default = default_pragmas["writer_synchronous"]
    if default_is_full:
        sync_sentence = (
            "The library sets no synchronous pragma itself; its connections inherit "
            f"SQLite {sqlite3.sqlite_version}'s compiled default, which on this "
            "machine is synchronous=FULL (checked on its own reader and writer "
            "connections), the same durability as quire, so the library's defaults "
            "were measured unchanged."
        )
    else:
        sync_sentence = (
            "The library sets no synchronous pragma itself; its connections inherit "
            f"SQLite {sqlite3.sqlite_version}'s compiled default, which here is "
            f"synchronous={sync_default}, not FULL; the headline figure forces FULL "
            "through a factory subclass named in PERSISTENCE_MODULE (no library code "
            "patched), and the default is reported alongside."
        )
    configuration = (
        f"eventsourcing {lib_version} Application with PERSISTENCE_MODULE="
        "eventsourcing.sqlite and SQLITE_DBNAME a file in a temp dir; the library's "
        f"recommended settings: journal_mode=WAL (it switches file databases to WAL "
        "itself), explicit BEGIN ... COMMIT per save, JSON transcoder, no "
        "compression/cipher, no snapshots, no aggregate cache. " + sync_sentence
        + " Each command is one app.save() = one committed transaction."
    )

    cmd_median = statistics.median(full_rates)
    replay_median = statistics.median(replay_rates)
    result = {
        "library": "eventsourcing",
        "version": lib_version,
        "python": platform.python_version(),
        "configuration": configuration,
        "durable_commands_per_s": round(cmd_median, 1),
        "replay_events_per_s": round(replay_median, 1),
        "projection_events_per_s": round(projection_rate, 1),
        "projection_events": projected,
        "projection_method": "ProjectionRunner(Sessions, SessionList, SessionListView): "
        "a Projection with @singledispatchmethod process_event writing a SQLiteTrackingRecorder "
        "materialised view (row + tracking record, one transaction per event), fed by the "
        "library's ListenNotifySubscription woken by a 50 ms poll",
        "commands": args.commands,
        "events": written,
        # Extra detail (not part of the comparison keys).
        "sqlite": sqlite3.sqlite_version,
        "synchronous_library_default": sync_default,
        "synchronous_measured": full_pragmas["writer_synchronous"],
        "journal_mode": full_pragmas["writer_journal_mode"],
        "durable_commands_per_s_library_default": round(statistics.median(default_rates), 1),
        "durable_commands_runs": [round(r, 1) for r in full_rates],
        "replay_runs": [round(r, 1) for r in replay_rates],
        "repeat": args.repeat,
        "warmup_commands": warmup,
        "replay_page_size": args.page,
        "replay_method": "recorder.select_notifications(start, limit) pages + "
        "mapper.to_domain_event + event.mutate fold",
        "replay_decode_only_events_per_s": round(decode_only_rate, 1),
        "log_write_events_per_s": round(written / write_s, 1),
        "bare_sqlite_full_commits_per_s": round(ceiling, 1),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            # Other work on the machine depresses the CPU-bound replay figure.
            "loadavg_1m_before": round(load_before[0], 2),
            "loadavg_1m_after": round(os.getloadavg()[0], 2),
        },
        "smoke": args.smoke,
    }

    rows = [
        ("library", f"eventsourcing {lib_version} (Python {platform.python_version()}, SQLite {sqlite3.sqlite_version})"),
        ("persistence", f"eventsourcing.sqlite, journal_mode={result['journal_mode']}, synchronous={result['synchronous_measured']}"),
        ("synchronous (library default)", sync_default),
        ("durable commands/s", f"{cmd_median:,.0f}  (runs: {', '.join(f'{r:,.0f}' for r in full_rates)}; {args.commands:,} commands each, {warmup} warm-up)"),
    ]
    if not default_is_full:
        rows.append(("durable commands/s (lib default)", f"{statistics.median(default_rates):,.0f}"))
    rows += [
        ("replay decoded events/s", f"{replay_median:,.0f}  (runs: {', '.join(f'{r:,.0f}' for r in replay_rates)}; {written:,} events)"),
        ("  read + decode, no fold", f"{decode_only_rate:,.0f} events/s (context)"),
        ("session-list view rebuild", f"{projection_rate:,.0f} events/s  (ProjectionRunner into a SQLite materialised view, {projected:,} events, one run)"),
        ("log write (untimed setup)", f"{written / write_s:,.0f} events/s batched"),
        ("bare sqlite3 FULL commits/s", f"{ceiling:,.0f}  (fsync ceiling of this disk, context)"),
    ]
    w = max(len(k) for k, _ in rows)
    print("peer: eventsourcing on SQLite" + ("  [smoke]" if args.smoke else ""))
    rows.append(("load average (1 min)", f"{load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after  ({os.cpu_count()} cores)"))
    print("-" * (w + 50))
    for k, v in rows:
        print(f"{k:<{w}}  {v}")
    print("-" * (w + 50))

    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
