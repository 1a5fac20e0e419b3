#!/usr/bin/env python3
"""Crash test for quire: kill writers, rebuilds and imports with SIGKILL, then check the log.

What it checks (RELIABILITY.md lists the promises):

* A writer (`quire submit`, fed command lines through a pipe) is killed with SIGKILL at a random
  moment. Every command whose `"ok": true` result line the harness read is *acknowledged*, and
  must be in the log afterwards (lost = 0). Every command id is in the log exactly once or not
  at all (no half-applied and no duplicated command). `quire verify` exits 0. The commands that
  were in flight are then retried as a client would (same command ids): nothing is appended
  twice, and the next writer starts without any manual repair.
* `quire rebuild` killed at a random moment: `verify` still passes and the next rebuild works.
* `quire import` of an exported log (a few thousand events) killed at a random moment: the target
  is absent, empty (and a fresh import into it works) or complete; never partial.

With `--backend postgres` the same trials run against the PostgreSQL backend, on a throwaway
cluster the harness starts itself with `tools/postgres` (QUIRE_PG_DIR=--pg-dir, port --pg-port) and
removes at the end; `--postgres URL` uses a running cluster instead. The log is a fresh schema of
that database (`schema=c_<random>` in the URL), and every import trial imports into a fresh schema
of its own: a schema that does not exist, or whose `events` table is empty, counts as absent/empty.
The log is read with `psql` straight from the schema's `events` table. Writers alternate between
group commit and `--no-group-commit` (`--group-commit both`, the default there). One trial kind is
PostgreSQL's alone: the *server* is killed (`tools/postgres kill`: an immediate shutdown, as a
crash) while a writer runs, and started again with its data; every acknowledged command must be
there afterwards, once, and every line refused meanwhile must say `unavailable`, exit code 75
(then its retry by command id, once the server is back, appends it at most once).

It builds nothing: pass the path of a built binary, or let it find `.build/release/quire`, else
`.build/debug/quire`. Python 3 standard library only (and `psql` for PostgreSQL).

    swift build -c release --product quire
    python3 tools/crashtest.py --trials 50
    python3 tools/crashtest.py --trials 50 --backend postgres --pg-dir /tmp/quire-pg-crash --pg-port 24340

The last line is a summary, e.g.
    crashtest: trials=50 kills=50 acknowledged=1234 lost=0 half_applied=0 duplicated=0 ...
and the exit status is 0 only when nothing was lost, half-applied or unverifiable.
"""

import argparse
import collections
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

OPS = "ops@crash.test"
USERS = ["u1@crash.test", "u2@crash.test", "u3@crash.test"]
STEPS = ["upload", "structure", "metadata", "questions", "review"]
# Error codes a command of this test may legitimately get (a session completed by an earlier
# line that was still in flight when the generator picked it, for instance). Anything else,
# above all `internal`, is a failure.
EXPECTED_ERRORS = {"not_in_progress", "not_found", "invalid_input", "duplicate"}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PSQL = shutil.which("psql") or "/usr/bin/psql"


def schema_name(prefix):
    return f"{prefix}_{random.SystemRandom().getrandbits(48):012x}"


class Postgres:
    """The PostgreSQL side: URLs of schemas, psql, and (with a cluster of its own) kill and start."""

    def __init__(self, url, pg_dir=None, port=None, own=False):
        self.base = url.split("?", 1)[0]
        query = url.split("?", 1)[1] if "?" in url else ""
        # Keep the URL's other settings (sslmode); the schema is the harness's to choose.
        self.params = [kv for kv in query.split("&") if kv and not kv.startswith("schema=")]
        self.pg_dir = pg_dir
        self.port = port
        self.own = own

    @classmethod
    def start_own(cls, pg_dir, port):
        url = cls.tool(pg_dir, "start", str(port)).strip().splitlines()[-1]
        return cls(url, pg_dir=pg_dir, port=port, own=True)

    @staticmethod
    def tool(pg_dir, *args):
        env = dict(os.environ, QUIRE_PG_DIR=pg_dir)
        p = subprocess.run([os.path.join(ROOT, "tools", "postgres")] + list(args), capture_output=True, env=env, timeout=120)
        if p.returncode != 0:
            raise SystemExit(f"tools/postgres {' '.join(args)} -> {p.returncode}: {p.stderr.decode().strip()}")
        return p.stdout.decode()

    def url(self, schema):
        return self.base + "?" + "&".join(self.params + [f"schema={schema}"])

    def psql(self, sql):
        """Rows of one query, as lists of strings (psql's unaligned, tuples-only output)."""
        conn = self.base + ("?" + "&".join(self.params) if self.params else "")
        p = subprocess.run([PSQL, conn, "-X", "-qAt", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                           capture_output=True, timeout=300)
        if p.returncode != 0:
            raise RuntimeError(f"psql: {p.stderr.decode().strip()}")
        return [line.split("\t") for line in p.stdout.decode().splitlines()]

    def schema_exists(self, schema):
        return self.psql(f"SELECT count(*) FROM pg_namespace WHERE nspname = '{schema}'")[0][0] == "1"

    def drop(self, schema):
        self.psql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")

    def kill(self):
        self.tool(self.pg_dir, "kill")

    def restart(self):
        # Right after an immediate shutdown the port can still be taken for a moment ("could not
        # bind … Address already in use"): try again, as an operator would.
        for attempt in range(20):
            try:
                self.tool(self.pg_dir, "start", str(self.port))
                return attempt
            except SystemExit:
                if attempt == 19:
                    raise
                time.sleep(0.5)

    def stop(self):
        if self.own:
            self.tool(self.pg_dir, "stop")


def find_binary(root):
    for build in ("release", "debug"):
        path = os.path.join(root, ".build", build, "quire")
        if os.access(path, os.X_OK):
            return path
    return None


class Harness:
    def __init__(self, binary, workdir, rng, verbose, pg=None, group_commit="on"):
        self.binary = binary
        self.workdir = workdir
        self.pg = pg
        self.group_commit = group_commit
        if pg:
            self.schema = schema_name("c")
            self.db = pg.url(self.schema)
        else:
            self.db = os.path.join(workdir, "quire.sqlite")
        self.rng = rng
        self.verbose = verbose
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("QUIRE_")}
        self.env["QUIRE_DB"] = self.db
        # Per user: session id -> {"status", "question_count"}, from acknowledged results only.
        self.sessions = {u: {} for u in USERS}
        self.counter = 0
        self.failures = []
        self.stats = collections.Counter()
        # Every command id this harness ever sent, and those acknowledged with ok: true.
        self.sent_ids = set()
        self.acked_ids = set()

    # -- running quire ----------------------------------------------------------------------

    def run(self, args, user=None, db=None, stdin=None, timeout=600, env=None):
        argv = [self.binary] + args + (["--as", user] if user else [])
        e = dict(self.env)
        if db:
            e["QUIRE_DB"] = db
        if env:
            e.update(env)
        p = subprocess.run(argv, input=stdin, capture_output=True, env=e, timeout=timeout, cwd=self.workdir)
        return p

    def ok(self, args, **kw):
        p = self.run(args, **kw)
        if p.returncode != 0:
            raise SystemExit(f"setup failed: quire {' '.join(args)} -> {p.returncode}\n{p.stdout.decode()}{p.stderr.decode()}")
        return p

    def fail(self, message):
        self.failures.append(message)
        print("FAIL: " + message, file=sys.stderr)

    # -- command lines ----------------------------------------------------------------------

    def next_id(self, prefix):
        self.counter += 1
        return f"{prefix}-{self.counter}"

    def command_line(self, user, trial, create=None):
        """One command for `user`, aimed at their sessions as the acknowledged results know them.

        `create` forces (True) or forbids (False) a session.create."""
        live = [sid for sid, s in self.sessions[user].items() if s["status"] == "in_progress"]
        r = self.rng.random()
        if create is False:
            r = self.rng.uniform(0.2, 0.85)  # updates and accesses only
        if create or not live or r < 0.2 or (len(live) < 3 and r < 0.4):
            n = self.rng.randint(1, 12)
            cid = self.next_id("create")
            paper = {
                "paper": {"code": f"{trial}/{cid}", "subject": "Crash testing", "year": 2026},
                "questions": [{"number": i + 1, "text": f"Q{i + 1} of {cid}"} for i in range(n)],
            }
            cmd = {"type": "session.create", "paper": paper, "file_name": f"{cid}.json"}
        else:
            sid = self.rng.choice(live)
            count = self.sessions[user][sid]["question_count"]
            if r < 0.75:
                cid = self.next_id("update")
                cmd = {"type": "session.update", "session_id": sid, "progress": self.rng.randint(0, 100),
                       "step": self.rng.choice(STEPS), "questions_imported": self.rng.randint(0, count),
                       "metadata": {"trial": trial, "note": cid}}
            elif r < 0.85:
                cid = self.next_id("access")
                cmd = {"type": "session.access", "session_id": sid}
            else:
                cid = self.next_id("complete")
                cmd = {"type": "session.complete", "session_id": sid}
        cmd["command_id"] = cid
        return cid, json.dumps(cmd, separators=(",", ":"))

    def learn(self, user, result):
        """Updates the harness's view of `user`'s sessions from one result line."""
        session = result.get("session")
        if result.get("ok") and isinstance(session, dict):
            self.sessions[user][session["id"]] = {"status": session["status"], "question_count": session["question_count"]}

    # -- the log ----------------------------------------------------------------------------

    def log_counts(self, db=None):
        """command_id -> number of events, in one `audit --format jsonl` pass over the whole log
        (on PostgreSQL: one query of the schema's `events` table with psql)."""
        if self.pg and db is None:
            try:
                rows = self.pg.psql(f"SELECT coalesce(command_id, ''), count(*) FROM {self.schema}.events GROUP BY 1")
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                self.fail(f"reading the events table: {e}")
                return None, 0
            counts = collections.Counter({(cid or None): int(n) for cid, n in rows})
            return counts, sum(counts.values())
        p = self.run(["audit", "--format", "jsonl", "--limit", "1000000"], user=OPS, db=db)
        if p.returncode != 0:
            self.fail(f"audit exited {p.returncode}: {p.stderr.decode().strip()}")
            return None, 0
        counts = collections.Counter()
        total = 0
        for line in p.stdout.decode().splitlines():
            if line.strip():
                total += 1
                counts[json.loads(line).get("command_id")] += 1
        return counts, total

    def verify(self, what, db=None):
        p = self.run(["verify", "--json"], db=db)
        try:
            report = json.loads(p.stdout.decode())
        except ValueError:
            report = None
        if p.returncode != 0 or not report or not report.get("ok"):
            self.fail(f"verify after {what} exited {p.returncode}: {p.stdout.decode().strip()} {p.stderr.decode().strip()}")
            return None
        return report

    def check_ids(self, what, sent, acked):
        counts, total = self.log_counts()
        if counts is None:
            return
        for cid in sent:
            n = counts.get(cid, 0)
            if cid in acked and n == 0:
                self.stats["lost"] += 1
                self.fail(f"{what}: acknowledged command {cid} is not in the log")
            elif n > 1:
                self.stats["duplicated"] += 1
                self.fail(f"{what}: command {cid} has {n} events, expected 1 (appended twice or half-applied)")
        self.stats["events"] = total

    # -- trials -----------------------------------------------------------------------------

    def writer_trial(self, trial, max_delay, window, server_kill=False):
        """Starts `quire submit`, feeds it command lines and kills it with SIGKILL at a random moment.

        With `server_kill` (PostgreSQL with a cluster of the harness's own), the *server* is killed
        at that moment instead and started again after a random outage; the writer goes on (it must
        reconnect by itself) and is killed a while later. Lines answered meanwhile must be refused
        as `unavailable`, exit code 75.

        Returns the lines sent but not acknowledged (in order), for the retry that follows."""
        user = self.rng.choice(USERS)
        argv = [self.binary, "submit", "--as", user]
        # "both": even writer trials without group commit, server trials at random.
        alternate = self.rng.random() < 0.5 if server_kill else trial % 2 == 0
        if self.group_commit == "off" or (self.group_commit == "both" and alternate):
            argv.append("--no-group-commit")
            self.stats["trials_without_group_commit"] += 1
        err = open(os.path.join(self.workdir, f"writer-{trial}.err"), "wb")
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, env=self.env,
                                cwd=self.workdir)
        lock = threading.Condition()
        sent = []          # [(command_id, line)] in order
        answered = [0]     # how many result lines were read
        stop = [False]
        pause_until = [0.0]  # a client backs off after "unavailable" instead of flooding the writer

        def feed():
            try:
                while True:
                    wait = pause_until[0] - time.monotonic()
                    if wait > 0:
                        time.sleep(wait)
                    with lock:
                        while not stop[0] and len(sent) - answered[0] >= window:
                            lock.wait(0.5)
                        if stop[0]:
                            return
                        cid, line = self.command_line(user, trial)
                        sent.append((cid, line))
                    proc.stdin.write(line.encode() + b"\n")
                    proc.stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                return

        delay = self.rng.uniform(0.0, max_delay)
        killed = [False]
        outage = self.rng.uniform(0.0, 1.5)
        after = self.rng.uniform(3.0, 5.0)
        restarted_at = [None]   # (answered[0], time) when the server was up again

        def kill():
            if server_kill:
                try:
                    self.pg.kill()
                    self.stats["server_kills"] += 1
                    time.sleep(outage)
                    self.stats["restart_retries"] += self.pg.restart()
                except BaseException as e:  # SystemExit from tools/postgres, in this timer thread
                    self.fail(f"trial {trial}: killing and restarting the server: {e}")
                with lock:
                    restarted_at[0] = (answered[0], time.monotonic())
                time.sleep(after)
            if proc.poll() is None:
                killed[0] = True
                proc.send_signal(signal.SIGKILL)

        feeder = threading.Thread(target=feed, daemon=True)
        timer = threading.Timer(delay, kill)
        feeder.start()
        timer.start()
        acked, failed = [], 0
        refused = []        # lines refused as unavailable (server trials), retried afterwards
        acked_after_restart = 0
        while True:
            raw = proc.stdout.readline()
            if not raw:
                break
            if not raw.endswith(b"\n"):
                break  # a line cut by the kill is not an acknowledgement
            result = json.loads(raw)
            with lock:
                index = answered[0]
                answered[0] += 1
                lock.notify_all()
                expected_id = sent[index][0] if index < len(sent) else None
            if result.get("command_id") != expected_id:
                self.fail(f"trial {trial}: result line {index} names {result.get('command_id')}, expected {expected_id}")
            if result.get("ok"):
                acked.append(result["command_id"])
                self.learn(user, result)
                if restarted_at[0] is not None and index >= restarted_at[0][0]:
                    if acked_after_restart == 0:
                        recovery = time.monotonic() - restarted_at[0][1]
                        self.stats["max_recovery_ms"] = max(self.stats["max_recovery_ms"], int(recovery * 1000))
                    acked_after_restart += 1
            else:
                failed += 1
                error = result.get("error") or {}
                code = error.get("code")
                if server_kill and code == "unavailable":
                    pause_until[0] = time.monotonic() + 0.1
                    if error.get("exit_code") != 75:
                        self.fail(f"trial {trial}: a refusal while the server was down says {error}, not exit code 75")
                    self.stats["refused_unavailable"] += 1
                    if index < len(sent):
                        refused.append(sent[index])
                elif code not in EXPECTED_ERRORS:
                    self.fail(f"trial {trial}: unexpected error {result.get('error')}")
        with lock:
            stop[0] = True
            lock.notify_all()
        timer.cancel()
        proc.wait()
        feeder.join(5)
        err.close()
        if server_kill:
            self.stats["acked_after_restart"] += acked_after_restart
            if restarted_at[0] is not None and acked_after_restart == 0 and proc.returncode == -signal.SIGKILL:
                self.fail(f"trial {trial}: the writer acknowledged nothing in the {after:.1f}s after the server came back")
        if killed[0]:
            self.stats["writer_kills_after_server_kill" if server_kill else "kills"] += 1
            if proc.returncode != -signal.SIGKILL:
                self.fail(f"trial {trial}: writer exited {proc.returncode} instead of dying of SIGKILL")
        else:
            self.fail(f"trial {trial}: the writer ended on its own with {proc.returncode} before the kill")
        self.stats["server_kill_trials" if server_kill else "trials"] += 1
        self.stats["acknowledged"] += len(acked)
        self.stats["sent"] += len(sent)
        self.stats["refused_lines"] += failed
        if acked:
            self.stats["trials_with_acks"] += 1
        ids = [cid for cid, _ in sent]
        self.sent_ids.update(ids)
        self.acked_ids.update(acked)
        self.verify(f"writer trial {trial}")
        self.check_ids(f"writer trial {trial}", ids, set(acked))
        if self.verbose:
            what = f"server killed after {delay:.2f}s for {outage:.2f}s, writer {after:.2f}s later" if server_kill \
                else f"killed after {delay:.2f}s"
            print(f"trial {trial}: {user} {what}, sent {len(sent)}, acknowledged {len(acked)}, refused {failed}")
        unacked = refused + sent[answered[0]:]
        return user, unacked

    def retry(self, trial, user, lines):
        """Resubmits the in-flight commands with their command ids, as a client would after a crash."""
        if not lines:
            return
        stdin = "".join(line + "\n" for _, line in lines).encode()
        p = self.run(["submit"], user=user, stdin=stdin)
        results = [json.loads(l) for l in p.stdout.decode().splitlines() if l.strip()]
        if len(results) != len(lines):
            self.fail(f"retry after trial {trial}: {len(results)} result lines for {len(lines)} commands")
        acked = set()
        for result in results:
            if result.get("ok"):
                acked.add(result["command_id"])
                self.learn(user, result)
                if result.get("replayed"):
                    self.stats["replayed_after_crash"] += 1
            elif (result.get("error") or {}).get("code") not in EXPECTED_ERRORS:
                self.fail(f"retry after trial {trial}: unexpected error {result.get('error')}")
        self.stats["retried"] += len(lines)
        self.acked_ids.update(acked)
        self.check_ids(f"retry after trial {trial}", [cid for cid, _ in lines], acked)

    def timed(self, args, **kw):
        start = time.monotonic()
        p = self.run(args, **kw)
        return p, time.monotonic() - start

    def killed_run(self, args, delay, db=None):
        e = dict(self.env)
        if db:
            e["QUIRE_DB"] = db
        proc = subprocess.Popen([self.binary] + args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, env=e, cwd=self.workdir)
        try:
            proc.wait(delay)
            return False, proc.returncode, proc.stderr.read().decode()
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True, proc.returncode, proc.stderr.read().decode()

    def rebuild_trial(self, trial, duration):
        delay = self.rng.uniform(0.0, duration * 1.1)
        killed, status, stderr = self.killed_run(["rebuild"], delay)
        if killed:
            self.stats["rebuild_kills"] += 1
        elif status != 0:
            self.fail(f"rebuild trial {trial}: rebuild exited {status}: {stderr.strip()}")
        self.verify(f"rebuild killed after {delay:.2f}s (trial {trial})")

    def import_target_events(self, trial, schema):
        """PostgreSQL: None when the target schema does not exist, else its events table's rows."""
        if not self.pg.schema_exists(schema):
            return None
        try:
            return int(self.pg.psql(f"SELECT count(*) FROM {schema}.events")[0][0])
        except RuntimeError as e:
            self.fail(f"import trial {trial}: schema {schema} exists but its events table cannot be read: {e}")
            return -1

    def import_trial(self, trial, export, expected_events, duration):
        if self.pg:
            target_schema = schema_name("i")
            target = self.pg.url(target_schema)
        else:
            target = os.path.join(self.workdir, f"import-{trial}.sqlite")
        delay = self.rng.uniform(0.0, duration * 1.1)
        killed, status, stderr = self.killed_run(["import", export], delay, db=target)
        if killed:
            self.stats["import_kills"] += 1
        elif status != 0:
            self.fail(f"import trial {trial}: import exited {status}: {stderr.strip()}")
        rows = self.import_target_events(trial, target_schema) if self.pg else None
        if (self.pg and rows is None) or (not self.pg and not os.path.exists(target)):
            self.stats["import_absent"] += 1
        else:
            report = self.verify(f"import killed after {delay:.2f}s (trial {trial})", db=target)
            if report is not None:
                n = report["events"]
                if self.pg and rows != n:
                    self.fail(f"import trial {trial}: verify counts {n} events, the events table holds {rows}")
                if n == expected_events:
                    self.stats["import_complete"] += 1
                elif n == 0:
                    self.stats["import_empty"] += 1
                    # An empty target takes a fresh import without any repair.
                    p = self.run(["import", export], db=target)
                    again = self.verify(f"re-import into the emptied target (trial {trial})", db=target)
                    if p.returncode != 0 or again is None or again["events"] != expected_events:
                        self.fail(f"import trial {trial}: re-import into the empty target exited {p.returncode}: "
                                  f"{p.stderr.decode().strip()}")
                else:
                    self.fail(f"import trial {trial}: the target holds {n} of {expected_events} events (a partial import)")
        if self.pg:
            self.pg.drop(target_schema)
            return
        for suffix in ("", "-wal", "-shm"):
            try:
                os.remove(target + suffix)
            except FileNotFoundError:
                pass

    # -- setup ------------------------------------------------------------------------------

    def set_up(self, seed_events):
        self.ok(["init", "--admin", OPS])
        for u in USERS:
            self.ok(["user", "add", u], user=OPS)
        # A log of a few thousand events to export, import and rebuild (NORMAL durability: setup only).
        per_user = max(1, seed_events // len(USERS))
        for u in USERS:
            creates = "".join(self.command_line(u, 0, create=True)[1] + "\n" for _ in range(max(3, per_user // 50)))
            for l in self.ok(["submit"], user=u, stdin=creates.encode(), env={"QUIRE_DURABILITY": "normal"}).stdout.decode().splitlines():
                self.learn(u, json.loads(l))
            updates = "".join(self.command_line(u, 0, create=False)[1] + "\n" for _ in range(per_user))
            self.ok(["submit"], user=u, stdin=updates.encode(), env={"QUIRE_DURABILITY": "normal"})

def main():
    root = ROOT
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("binary", nargs="?", help="the quire binary (default .build/release/quire, else .build/debug/quire)")
    parser.add_argument("--trials", type=int, default=50, help="writer trials, each ended by SIGKILL (default 50)")
    parser.add_argument("--rebuild-trials", type=int, default=None, help="killed rebuilds (default trials/5, at least 2)")
    parser.add_argument("--import-trials", type=int, default=None, help="killed imports (default trials/5, at least 2)")
    parser.add_argument("--seed-events", type=int, default=3000, help="events in the log before the trials (default 3000)")
    parser.add_argument("--max-delay", type=float, default=1.5, help="longest time before a writer is killed, in seconds")
    parser.add_argument("--window", type=int, default=8, help="command lines in flight at once (default 8)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: time-based, printed)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (and the schemas, and the cluster)")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default=None,
                        help="sqlite (the default) or postgres: a throwaway cluster of its own, started with tools/postgres")
    parser.add_argument("--postgres", metavar="URL", default=None,
                        help="run against this running PostgreSQL instead (its log and import targets are fresh schemas); "
                             "no server kills unless --pg-dir names its tools/postgres folder")
    parser.add_argument("--pg-dir", default=None, help="the cluster's folder (QUIRE_PG_DIR; default /tmp/quire-pg-crash "
                                                       "for a cluster of its own)")
    parser.add_argument("--pg-port", type=int, default=24340, help="the port of a cluster of its own (default 24340: outside the ephemeral range, which a client socket can hold just when the killed server restarts)")
    parser.add_argument("--server-kill-trials", type=int, default=None,
                        help="PostgreSQL: writer trials in which the server is killed instead (default trials/5, at "
                             "least 2, with a cluster it may kill)")
    parser.add_argument("--group-commit", choices=["on", "off", "both"], default=None,
                        help="writers with group commit, with --no-group-commit, or alternating (default: on for "
                             "SQLite, both for PostgreSQL)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()

    binary = args.binary or find_binary(root)
    if not binary or not os.access(binary, os.X_OK):
        sys.exit("No built quire: run `swift build -c release --product quire` (or pass the binary's path).")
    binary = os.path.abspath(binary)
    seed = args.seed if args.seed is not None else int(time.time())
    rng = random.Random(seed)
    side_trials = max(2, args.trials // 5)
    rebuild_trials = args.rebuild_trials if args.rebuild_trials is not None else side_trials
    import_trials = args.import_trials if args.import_trials is not None else side_trials
    backend = "postgres" if args.postgres else (args.backend or "sqlite")
    pg = None
    if backend == "postgres":
        if args.postgres:
            pg = Postgres(args.postgres, pg_dir=args.pg_dir, port=args.pg_port)
        else:
            pg = Postgres.start_own(args.pg_dir or "/tmp/quire-pg-crash", args.pg_port)
    can_kill_server = pg is not None and pg.pg_dir is not None
    server_kill_trials = (args.server_kill_trials if args.server_kill_trials is not None else side_trials) if can_kill_server else 0
    group_commit = args.group_commit or ("both" if pg else "on")
    workdir = tempfile.mkdtemp(prefix="quire-crash-")
    print(f"crashtest: binary {binary}, seed {seed}, work directory {workdir}")

    h = Harness(binary, workdir, rng, args.verbose, pg=pg, group_commit=group_commit)
    if pg:
        print(f"crashtest: PostgreSQL {pg.base}, log in schema {h.schema}" + (f", cluster {pg.pg_dir}" if can_kill_server else ""))
    started = time.monotonic()
    try:
        h.set_up(args.seed_events)
        h.verify("setup")
        export = os.path.join(workdir, "log.jsonl")
        h.ok(["export", "-o", export], user=OPS)
        _, seeded_events = h.log_counts()
        print(f"crashtest: seeded {seeded_events} events")

        # How long a rebuild and an import take, so the kills land anywhere inside them.
        p, rebuild_time = h.timed(["rebuild"])
        if p.returncode != 0:
            h.fail(f"rebuild exited {p.returncode}: {p.stderr.decode().strip()}")
        probe_schema = schema_name("i") if pg else None
        probe = pg.url(probe_schema) if pg else os.path.join(workdir, "import-probe.sqlite")
        p, import_time = h.timed(["import", export], db=probe)
        report = h.verify("a complete import", db=probe)
        if p.returncode != 0 or report is None or report["events"] != seeded_events:
            h.fail(f"a complete import exited {p.returncode} with {report and report['events']} of {seeded_events} events")
        if pg:
            pg.drop(probe_schema)
        print(f"crashtest: a rebuild takes {rebuild_time:.2f}s, an import {import_time:.2f}s")

        side_every = max(1, args.trials // max(1, max(rebuild_trials, import_trials, server_kill_trials)))
        rebuilds_done = imports_done = server_kills_done = 0
        for trial in range(1, args.trials + 1):
            user, unacked = h.writer_trial(trial, args.max_delay, args.window)
            h.retry(trial, user, unacked)
            if trial % side_every == 0 and server_kills_done < server_kill_trials:
                server_kills_done += 1
                user, unacked = h.writer_trial(f"s{server_kills_done}", args.max_delay, args.window, server_kill=True)
                h.retry(f"s{server_kills_done}", user, unacked)
            if trial % side_every == 0:
                if rebuilds_done < rebuild_trials:
                    h.rebuild_trial(trial, rebuild_time)
                    rebuilds_done += 1
                if imports_done < import_trials:
                    h.import_trial(trial, export, seeded_events, import_time)
                    imports_done += 1
        while rebuilds_done < rebuild_trials:
            rebuilds_done += 1
            h.rebuild_trial(args.trials + rebuilds_done, rebuild_time)
        while imports_done < import_trials:
            imports_done += 1
            h.import_trial(args.trials + imports_done, export, seeded_events, import_time)
        while server_kills_done < server_kill_trials:
            server_kills_done += 1
            user, unacked = h.writer_trial(f"s{server_kills_done}", args.max_delay, args.window, server_kill=True)
            h.retry(f"s{server_kills_done}", user, unacked)

        # Last, one pass over the whole log: every acknowledged command of every trial is there once.
        counts, total = h.log_counts()
        if pg:
            # quire's own reading of the log (audit) agrees with the events table.
            audited, audited_total = h.log_counts(db=h.db)
            if audited is not None and audited_total != total:
                h.fail(f"final pass: audit reads {audited_total} events, the events table holds {total}")
        if counts is not None:
            lost = [cid for cid in h.acked_ids if counts.get(cid, 0) == 0]
            doubled = [cid for cid in h.sent_ids if counts.get(cid, 0) > 1]
            if lost or doubled:
                h.fail(f"final pass: {len(lost)} acknowledged commands missing, {len(doubled)} with more than one event")
            h.stats["events"] = total
        h.verify("the whole run")
        # The next writer starts without repair and is acknowledged.
        cid, line = h.command_line(USERS[0], 0)
        p = h.run(["submit"], user=USERS[0], stdin=(line + "\n").encode())
        if p.returncode != 0 or '"ok":true' not in p.stdout.decode():
            h.fail(f"a writer after the last kill got {p.returncode}: {p.stdout.decode().strip()} {p.stderr.decode().strip()}")
    finally:
        if not args.keep and not h.failures:
            shutil.rmtree(workdir, ignore_errors=True)
            if pg and pg.own:
                pg.stop()
            elif pg:
                pg.drop(h.schema)
        elif h.failures:
            print(f"crashtest: kept {workdir} for inspection" + (f" (and schema {h.schema} of {pg.base})" if pg else ""),
                  file=sys.stderr)

    s = h.stats
    print(f"crashtest: trials={s['trials']} kills={s['kills']} acknowledged={len(h.acked_ids)} lost={s['lost']} "
          f"half_applied_or_duplicated={s['duplicated']} events={s['events']} sent={s['sent']} "
          f"refused_lines={s['refused_lines']} retried={s['retried']} replayed_after_crash={s['replayed_after_crash']} "
          f"rebuild_kills={s['rebuild_kills']} import_kills={s['import_kills']} "
          f"(absent={s['import_absent']} empty={s['import_empty']} complete={s['import_complete']}) "
          + (f"backend=postgresql no_group_commit_trials={s['trials_without_group_commit']} "
             f"server_kill_trials={s['server_kill_trials']} server_kills={s['server_kills']} refused_unavailable_75={s['refused_unavailable']} "
             f"acked_after_restart={s['acked_after_restart']} max_recovery_ms={s['max_recovery_ms']} restart_retries={s['restart_retries']} " if pg else "")
          + f"failures={len(h.failures)} seconds={time.monotonic() - started:.0f}")
    sys.exit(1 if h.failures else 0)


if __name__ == "__main__":
    main()
