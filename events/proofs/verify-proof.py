#!/usr/bin/env python3
"""An auditor's check of quire's proofs, independent of quire (events/proofs/README.md).

Needs Python 3 and one package for Ed25519: `cryptography` (pip install cryptography).

  verify-proof.py checkpoint NOTE KEY              the note is a checkpoint signed by KEY
  verify-proof.py inclusion NOTE KEY PROOF.json    the event of `quire prove --json` is in that checkpoint's log
  verify-proof.py consistency OLD NEW KEY PROOF.json
                                                   the log of checkpoint NEW extends that of OLD
                                                   (PROOF.json from `quire consistency --json`)
  verify-proof.py root LOG [SIZE]                  the tree root of a log's first SIZE events, from the
                                                   `hash` column alone (LOG: a quire .sqlite file, an export .jsonl,
                                                   or a .json of {"events": [...]})

KEY is the verifier key `name+keyhash+base64` (as `quire key generate` prints it) or a file holding it.
Exit status 0 when the check holds, 1 when it does not (with one line saying why), 2 on bad usage.
"""
import base64, hashlib, json, os, sqlite3, struct, sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def fail(why):
    print("FAILED: " + why)
    sys.exit(1)


# --- RFC 9162 section 2.1: the tree ------------------------------------------------------------

def leaf_hash(leaf):
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def root(leaf_hashes):
    """MTH(D[n]): split at the largest power of two smaller than n."""
    n = len(leaf_hashes)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaf_hashes[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(root(leaf_hashes[:k]), root(leaf_hashes[k:]))


def verify_inclusion(leaf, index, size, proof, root_hash):
    """RFC 9162 section 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root_hash


def verify_consistency(first, second, first_hash, second_hash, proof):
    """RFC 9162 section 2.1.4.2."""
    if first > second:
        return False
    if first == second:
        return not proof and first_hash == second_hash
    if first == 0:
        return not proof
    if not proof:
        return False
    if first & (first - 1) == 0:
        proof = [first_hash] + proof
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_hash and sr == second_hash and sn == 0


# --- C2SP signed-note and tlog-checkpoint ------------------------------------------------------

def read_key(text):
    if os.path.exists(text):
        text = open(text).read()
    name, keyhash, b64 = text.strip().split("+", 2)  # base64 may hold "+"; a name never does
    raw = base64.b64decode(b64)
    if len(raw) != 33 or raw[0] != 1:
        fail("the verifier key is not an Ed25519 signed-note key")
    # key hash: the first 4 bytes of SHA-256(name || 0x0A || 0x01 || public key)
    want = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
    if want.hex() != keyhash:
        fail("the verifier key's hash does not match its name and key")
    return name, want, Ed25519PublicKey.from_public_bytes(raw[1:])


def read_checkpoint(path, key):
    """The (origin, size, root) of a checkpoint note whose signature by `key` verifies."""
    name, keyhash, public = key
    note = open(path, encoding="utf-8").read()
    text, sep, signatures = note.rpartition("\n\n")
    if not sep:
        fail(path + " is not a signed note")
    text += "\n"
    for line in signatures.splitlines():
        dash, signer, b64 = line.split(" ")
        raw = base64.b64decode(b64)
        if dash != "\u2014" or signer != name or raw[:4] != keyhash:
            continue  # another signer's line (a witness): not this key's
        try:
            public.verify(raw[4:], text.encode("utf-8"))
        except InvalidSignature:
            fail(path + ": the signature of " + name + " does not verify")
        origin, size, root_b64 = text.split("\n")[:3]
        if origin != name:
            fail(path + " is a checkpoint of " + origin + ", not of " + name)
        return origin, int(size), base64.b64decode(root_b64)
    fail(path + " carries no signature of " + name)


# --- the log's leaves: the `hash` column -------------------------------------------------------

def leaves_of(path, size=None):
    if path.endswith(".json"):  # {"events": [...]}, like ../hash-example.json
        hashes = [bytes.fromhex(row["hash"]) for row in json.load(open(path))["events"]]
    elif path.endswith(".jsonl") or path == "-":
        lines = sys.stdin if path == "-" else open(path, encoding="utf-8")
        hashes = [bytes.fromhex(row["hash"]) for row in map(json.loads, lines) if "hash" in row]
    else:
        db = sqlite3.connect("file:" + path + "?mode=ro", uri=True)
        hashes = [row[0] for row in db.execute("SELECT hash FROM events ORDER BY position")]
    return [leaf_hash(h) for h in hashes[:size]]


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        sys.exit(2)
    command, args = argv[1], argv[2:]
    if command == "checkpoint" and len(args) == 2:
        origin, size, r = read_checkpoint(args[0], read_key(args[1]))
        print(f"checkpoint ok: {origin}, {size} events, root {r.hex()}")
    elif command == "inclusion" and len(args) == 3:
        origin, size, r = read_checkpoint(args[0], read_key(args[1]))
        proof = json.load(open(args[2]))
        if proof["size"] != size:
            fail(f"the proof is for a tree of {proof['size']} events, the checkpoint signed {size}")
        leaf = leaf_hash(bytes.fromhex(proof["event_hash"]))
        path = [bytes.fromhex(p) for p in proof["proof"]]
        if not verify_inclusion(leaf, proof["leaf_index"], size, path, r):
            fail(f"event {proof['position']} is not in the log the checkpoint signed")
        print(f"inclusion ok: event {proof['position']} (hash {proof['event_hash']}) is in {origin} at size {size}")
    elif command == "consistency" and len(args) == 4:
        key = read_key(args[2])
        _, old_size, old_root = read_checkpoint(args[0], key)
        origin, new_size, new_root = read_checkpoint(args[1], key)
        proof = json.load(open(args[3]))
        if (proof["from"], proof["to"]) != (old_size, new_size):
            fail(f"the proof goes from {proof['from']} to {proof['to']}, the checkpoints are {old_size} and {new_size}")
        if not verify_consistency(old_size, new_size, old_root, new_root, [bytes.fromhex(p) for p in proof["proof"]]):
            fail(f"the log of {new_size} events is not an append-only extension of the one of {old_size}")
        print(f"consistency ok: {origin} at {new_size} events extends its checkpoint at {old_size}")
    elif command == "root" and len(args) in (1, 2):
        leaves = leaves_of(args[0], int(args[1]) if len(args) == 2 else None)
        r = root(leaves)
        print(f"{len(leaves)} events, root {r.hex()} (base64 {base64.b64encode(r).decode()})")
    else:
        print(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv)
