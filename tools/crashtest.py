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

It builds nothing: pass the path of a built binary, or let it find `.build/release/quire`, else
`.build/debug/quire`. Python 3 standard library only.

    swift build -c release --product quire
    python3 tools/crashtest.py --trials 50

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


def find_binary(root):
    for build in ("release", "debug"):
        path = os.path.join(root, ".build", build, "quire")
        if os.access(path, os.X_OK):
            return path
    return None


class Harness:
    def __init__(self, binary, workdir, rng, verbose):
        self.binary = binary
        self.workdir = workdir
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
        """command_id -> number of events, in one `audit --format jsonl` pass over the whole log."""
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

    def writer_trial(self, trial, max_delay, window):
        """Starts `quire submit`, feeds it command lines and kills it with SIGKILL at a random moment.

        Returns the lines sent but not acknowledged (in order), for the retry that follows."""
        user = self.rng.choice(USERS)
        argv = [self.binary, "submit", "--as", user]
        err = open(os.path.join(self.workdir, f"writer-{trial}.err"), "wb")
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, env=self.env,
                                cwd=self.workdir)
        lock = threading.Condition()
        sent = []          # [(command_id, line)] in order
        answered = [0]     # how many result lines were read
        stop = [False]

        def feed():
            try:
                while True:
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

        def kill():
            if proc.poll() is None:
                killed[0] = True
                proc.send_signal(signal.SIGKILL)

        feeder = threading.Thread(target=feed, daemon=True)
        timer = threading.Timer(delay, kill)
        feeder.start()
        timer.start()
        acked, failed = [], 0
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
            else:
                failed += 1
                code = (result.get("error") or {}).get("code")
                if code not in EXPECTED_ERRORS:
                    self.fail(f"trial {trial}: unexpected error {result.get('error')}")
        with lock:
            stop[0] = True
            lock.notify_all()
        timer.cancel()
        proc.wait()
        feeder.join(5)
        err.close()
        if killed[0]:
            self.stats["kills"] += 1
            if proc.returncode != -signal.SIGKILL:
                self.fail(f"trial {trial}: writer exited {proc.returncode} instead of dying of SIGKILL")
        else:
            self.fail(f"trial {trial}: the writer ended on its own with {proc.returncode} before the kill")
        self.stats["trials"] += 1
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
            print(f"trial {trial}: {user} killed after {delay:.2f}s, sent {len(sent)}, acknowledged {len(acked)}")
        unacked = sent[answered[0]:]
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

    def import_trial(self, trial, export, expected_events, duration):
        target = os.path.join(self.workdir, f"import-{trial}.sqlite")
        delay = self.rng.uniform(0.0, duration * 1.1)
        killed, status, stderr = self.killed_run(["import", export], delay, db=target)
        if killed:
            self.stats["import_kills"] += 1
        elif status != 0:
            self.fail(f"import trial {trial}: import exited {status}: {stderr.strip()}")
        if not os.path.exists(target):
            self.stats["import_absent"] += 1
        else:
            report = self.verify(f"import killed after {delay:.2f}s (trial {trial})", db=target)
            if report is not None:
                n = report["events"]
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
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("binary", nargs="?", help="the quire binary (default .build/release/quire, else .build/debug/quire)")
    parser.add_argument("--trials", type=int, default=50, help="writer trials, each ended by SIGKILL (default 50)")
    parser.add_argument("--rebuild-trials", type=int, default=None, help="killed rebuilds (default trials/5, at least 2)")
    parser.add_argument("--import-trials", type=int, default=None, help="killed imports (default trials/5, at least 2)")
    parser.add_argument("--seed-events", type=int, default=3000, help="events in the log before the trials (default 3000)")
    parser.add_argument("--max-delay", type=float, default=1.5, help="longest time before a writer is killed, in seconds")
    parser.add_argument("--window", type=int, default=8, help="command lines in flight at once (default 8)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: time-based, printed)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
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
    workdir = tempfile.mkdtemp(prefix="quire-crash-")
    print(f"crashtest: binary {binary}, seed {seed}, work directory {workdir}")

    h = Harness(binary, workdir, rng, args.verbose)
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
        probe = os.path.join(workdir, "import-probe.sqlite")
        p, import_time = h.timed(["import", export], db=probe)
        report = h.verify("a complete import", db=probe)
        if p.returncode != 0 or report is None or report["events"] != seeded_events:
            h.fail(f"a complete import exited {p.returncode} with {report and report['events']} of {seeded_events} events")
        print(f"crashtest: a rebuild takes {rebuild_time:.2f}s, an import {import_time:.2f}s")

        side_every = max(1, args.trials // max(1, max(rebuild_trials, import_trials)))
        rebuilds_done = imports_done = 0
        for trial in range(1, args.trials + 1):
            user, unacked = h.writer_trial(trial, args.max_delay, args.window)
            h.retry(trial, user, unacked)
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

        # Last, one pass over the whole log: every acknowledged command of every trial is there once.
        counts, total = h.log_counts()
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
        elif h.failures:
            print(f"crashtest: kept {workdir} for inspection", file=sys.stderr)

    s = h.stats
    print(f"crashtest: trials={s['trials']} kills={s['kills']} acknowledged={len(h.acked_ids)} lost={s['lost']} "
          f"half_applied_or_duplicated={s['duplicated']} events={s['events']} sent={s['sent']} "
          f"refused_lines={s['refused_lines']} retried={s['retried']} replayed_after_crash={s['replayed_after_crash']} "
          f"rebuild_kills={s['rebuild_kills']} import_kills={s['import_kills']} "
          f"(absent={s['import_absent']} empty={s['import_empty']} complete={s['import_complete']}) "
          f"failures={len(h.failures)} seconds={time.monotonic() - started:.0f}")
    sys.exit(1 if h.failures else 0)


if __name__ == "__main__":
    main()
