#!/usr/bin/env python3
"""Checks a quire log's hash chain, as events/README.md describes it: python3 verify-chain.py quire.sqlite"""
import hashlib, sqlite3, sys

db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
prev, count = bytes(32), 0  # position 1 chains from 32 zero bytes
for row in db.execute("SELECT position, stream, version, type, schema, event_id, actor, command_id,"
                      " recorded_at, payload, prev_hash, hash FROM events ORDER BY position"):
    *fields, payload, prev_hash, stored = row
    h = "".join(("" if f is None else str(f)) + "\n" for f in fields) + payload
    digest = hashlib.sha256(prev + h.encode("utf-8")).digest()
    count += 1
    if fields[0] != count or prev_hash != prev or stored != digest:
        sys.exit(f"chain broken at position {fields[0]}")
    prev = digest
print(f"chain ok: {count} events, last hash {prev.hex()}")
