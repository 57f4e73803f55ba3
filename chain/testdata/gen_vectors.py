#!/usr/bin/env python3
"""Writes the golden vectors of package chain from DESIGN.md alone.

This is an independent implementation of the documented byte layouts (it
shares no code with package chain): the Go tests compare the package's
output with these files. Run from this folder: python3 gen_vectors.py
(needs the `cryptography` package for ed25519).
"""
import hashlib
import json

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization


def u16(n): return n.to_bytes(2, "big")
def u32(n): return n.to_bytes(4, "big")
def u64(n): return n.to_bytes(8, "big")
def sha(b): return hashlib.sha256(b).digest()


def hexlines(parts):
    """parts: list of (bytes, comment)."""
    out = []
    for b, comment in parts:
        h = b.hex()
        chunks = [h[i:i + 64] for i in range(0, len(h), 64)] or [""]
        for i, c in enumerate(chunks):
            pad = c.ljust(64)
            out.append(f"{pad}  # {comment}" if i == 0 else c)
    return "\n".join(out) + "\n"


# --- header.hex: an arbitrary header ------------------------------------
header_fields = [
    (u32(1), "version 1"),
    (u64(258), "height 258"),
    (u64(1767225601000), "time 1767225601000 ms (2026-01-01T00:00:01Z)"),
    (u64(65536), "difficulty 65536"),
    (bytes([0x11]) * 32, "prev_hash 1111…"),
    (bytes([0x22]) * 32, "merkle_root 2222…"),
    (u64(0x0A0B0C0D0E0F), "nonce 0x0a0b0c0d0e0f"),
]
hdr = b"".join(b for b, _ in header_fields)
assert len(hdr) == 100
with open("header.hex", "w") as f:
    f.write("# A block header: 100 bytes, integers big-endian (DESIGN.md, \"Header: 100 bytes\").\n")
    f.write(hexlines(header_fields))
    f.write("# hash = SHA-256 of the 100 bytes:\n# " + sha(hdr).hex() + "\n")

# --- genesis.hex: the genesis block of chain.TestParams -------------------
params = {  # chain.TestParams, fields in the order of the Params struct
    "name": "test",
    "genesis_time": 1767225600000,
    "difficulty": 2,
    "block_time_ms": 1000,
    "retarget_interval": 0,
    "subsidy": 50,
    "halving_interval": 210,
    "max_block_txs": 100,
    "max_future_drift_ms": 120000,
    "median_time_span": 11,
}
memo = json.dumps(params, separators=(",", ":")).encode()
coinbase_fields = [
    (bytes([0]), "from: length 0 (a coinbase has no sender)"),
    (bytes(20), "to: the zero address"),
    (u64(0), "amount 0"),
    (u64(0), "fee 0"),
    (u64(0), "seq 0 (= height)"),
    (u64(1767225600000), "time 1767225600000 (genesis_time)"),
    (bytes([7]), "name: length 7"),
    (b"genesis", "name \"genesis\""),
    (u16(len(memo)), f"memo: length {len(memo)}"),
    (memo, "memo: the canonical JSON of the parameters: " + memo.decode()),
    (bytes([0]), "sig: length 0"),
]
cb = b"".join(b for b, _ in coinbase_fields)
txid = sha(cb)
genesis_header = [
    (u32(1), "version 1"),
    (u64(0), "height 0"),
    (u64(1767225600000), "time 1767225600000"),
    (u64(2), "difficulty 2"),
    (bytes(32), "prev_hash: zero"),
    (txid, "merkle_root = the coinbase id (one transaction)"),
    (u64(0), "nonce 0 (the genesis needs no proof of work)"),
]
gh = b"".join(b for b, _ in genesis_header)
with open("genesis.hex", "w") as f:
    f.write("# The genesis block of chain.TestParams (DESIGN.md, \"Transactions\" and \"Parameters\").\n")
    f.write("[coinbase]\n" + hexlines(coinbase_fields))
    f.write("[header]\n" + hexlines(genesis_header))
    f.write("[hash]\n" + hexlines([(sha(gh), "genesis hash = chain id = SHA-256(header)")]))
chain_id = sha(gh)

# --- tx.hex: a transfer signed by the key with seed 00 01 … 1f -------------
seed = bytes(range(32))
key = Ed25519PrivateKey.from_private_bytes(seed)
pub = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
to = sha(b"recipient")[:20]
body_fields = [
    (bytes([32]), "from: length 32"),
    (pub, "from: ed25519 public key of seed 000102…1f"),
    (to, "to: first 20 bytes of SHA-256(\"recipient\")"),
    (u64(1234), "amount 1234"),
    (u64(5), "fee 5"),
    (u64(7), "seq 7"),
    (u64(1767225660000), "time 1767225660000"),
    (bytes([3]), "name: length 3"),
    (b"ada", "name \"ada\""),
    (u16(10), "memo: length 10"),
    ("héllo ✓".encode(), "memo \"héllo ✓\" (UTF-8: é and ✓ take 2 and 3 bytes)"),
]
body = b"".join(b for b, _ in body_fields)
sig = key.sign(chain_id + body)  # signed message: chain id, then every field but sig
tx = body + bytes([64]) + sig
with open("tx.hex", "w") as f:
    f.write("# A transfer signed for the chain id of chain.TestParams (DESIGN.md, \"Transactions\").\n")
    f.write("[tx]\n" + hexlines(body_fields + [(bytes([64]), "sig: length 64"),
            (sig, "sig: ed25519 over chain id || the bytes above (all but the sig)")]))
    f.write("[chain_id]\n" + hexlines([(chain_id, "the genesis hash of chain.TestParams")]))
    f.write("[id]\n" + hexlines([(sha(tx), "tx id = SHA-256 of every byte of [tx]")]))
