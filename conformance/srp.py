"""The client side of Cognito's USER_SRP_AUTH: SRP_A, then the PASSWORD_VERIFIER answer.

Written from the published protocol (SRP-6a, RFC 5054) with Cognito's conventions as the
AWS SDKs implement them (amazon-cognito-identity-js src/AuthenticationHelper.js; pycognito
aws_srp.py follows it):
- the group is RFC 3526's 3072-bit MODP group (RFC 5054 Appendix A's 3072-bit group), g = 2,
  hash SHA-256;
- numbers are hashed as "padded hex": the shortest even-length hex form, with a leading
  `00` when the first digit is 8-f (a positive two's-complement integer), NOT RFC 5054's
  PAD-to-len(N); so k = H(padhex(N) | padhex(g)), u = H(padhex(A) | padhex(B));
- x = H(padhex(salt) | H(poolName + userIdForSrp + ":" + password)), poolName = the pool id
  after "_";
- S = (B - k g^x)^(a + u x) mod N; the key is HKDF-SHA256(ikm = padhex(S),
  salt = padhex(u), info = "Caldera Derived Key" | 0x01), first 16 bytes;
- PASSWORD_CLAIM_SIGNATURE = Base64(HMAC-SHA256(key, poolName | userIdForSrp |
  SECRET_BLOCK bytes | TIMESTAMP)), TIMESTAMP like "Tue Nov 3 17:12:44 UTC 2026" (day
  not zero-padded, English names, UTC).
`srp_math` takes the group, hash and padding as parameters so the generic SRP-6a arithmetic
can be tested against RFC 5054 Appendix B as well (selftest/test_srp.py).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Callable

# RFC 3526 section 4 (= RFC 5054 Appendix A, 3072-bit group).
N_HEX = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A0879"
    "8E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B"
    "0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA4836"
    "1C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804"
    "F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6"
    "955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64"
    "ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D226"
    "1AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2"
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF")
N = int(N_HEX, 16)
G = 2
INFO = b"Caldera Derived Key"
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def pad_hex(value: int | str) -> str:
    """Cognito's padded hex: even length, `00` prepended when the top bit would be set."""
    text = value if isinstance(value, str) else format(value, "x")
    if len(text) % 2:
        return "0" + text
    return "00" + text if text[0] in "89abcdefABCDEF" else text


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def hash_hex(hex_text: str) -> int:
    """H over the bytes a hex string denotes, as an integer."""
    return int.from_bytes(_h(bytes.fromhex(hex_text)), "big")


@dataclass(frozen=True)
class Group:
    """An SRP-6a group, hash and number-to-bytes convention (for the generic math)."""

    n: int
    g: int
    digest: Callable[[bytes], bytes]
    to_bytes: Callable[[int], bytes]

    def h(self, *parts: bytes) -> int:
        return int.from_bytes(self.digest(b"".join(parts)), "big")

    @property
    def k(self) -> int:
        return self.h(self.to_bytes(self.n), self.to_bytes(self.g))


def cognito_bytes(value: int) -> bytes:
    return bytes.fromhex(pad_hex(value))


COGNITO = Group(N, G, _h, cognito_bytes)


def srp_math(group: Group, a: int, b_pub: int, x: int) -> tuple[int, int, int]:
    """(A, u, S) of SRP-6a's client for private `a`, server public `B` and private `x`."""
    a_pub = pow(group.g, a, group.n)
    u = group.h(group.to_bytes(a_pub), group.to_bytes(b_pub))
    if b_pub % group.n == 0 or u == 0:
        raise ValueError("SRP abort: B mod N or u is zero")
    s = pow((b_pub - group.k * pow(group.g, x, group.n)) % group.n, a + u * x, group.n)
    return a_pub, u, s


def hkdf16(ikm: bytes, salt: bytes) -> bytes:
    """RFC 5869 HKDF-SHA256 with info "Caldera Derived Key", one block, first 16 bytes."""
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    return hmac.new(prk, INFO + b"\x01", hashlib.sha256).digest()[:16]


def timestamp(now: dt.datetime | None = None) -> str:
    """`Tue Nov 3 17:12:44 UTC 2026`: Cognito's TIMESTAMP (UTC, day not zero-padded)."""
    t = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    return (f"{DAYS[t.weekday()]} {MONTHS[t.month - 1]} {t.day} "
            f"{t.hour:02d}:{t.minute:02d}:{t.second:02d} UTC {t.year}")


def pool_name(pool_id: str) -> str:
    """The part of a pool id after the region and "_" (`us-east-1_AbC` -> `AbC`)."""
    return pool_id.split("_", 1)[1] if "_" in pool_id else pool_id


class SrpClient:
    """One USER_SRP_AUTH attempt: `a_hex` for SRP_A, then `answer(...)` to the challenge."""

    def __init__(self, pool_id: str, a: int | None = None) -> None:
        self.pool_id = pool_id
        self.a = a if a is not None else secrets.randbits(1024) % N
        self.big_a = pow(G, self.a, N)

    @property
    def a_hex(self) -> str:
        return format(self.big_a, "x")

    def key(self, user_id: str, password: str, salt_hex: str, b_hex: str) -> bytes:
        """The 16-byte key both sides derive (HKDF of S, salted with u)."""
        b_pub = int(b_hex, 16)
        x = hash_hex(pad_hex(salt_hex) + hashlib.sha256(
            f"{pool_name(self.pool_id)}{user_id}:{password}".encode()).hexdigest())
        _, u, s = srp_math(COGNITO, self.a, b_pub, x)
        return hkdf16(cognito_bytes(s), cognito_bytes(u))

    def signature(self, user_id: str, password: str, salt_hex: str, b_hex: str,
                  secret_block: str, when: str) -> str:
        key = self.key(user_id, password, salt_hex, b_hex)
        msg = (pool_name(self.pool_id).encode() + user_id.encode()
               + _block_bytes(secret_block) + when.encode())
        return base64.b64encode(hmac.new(key, msg, hashlib.sha256).digest()).decode()

    def answer(self, challenge: dict[str, str], password: str,
               now: dt.datetime | None = None) -> dict[str, str]:
        """ChallengeResponses for PASSWORD_VERIFIER (USERNAME from the challenge)."""
        when = timestamp(now)
        user_id = challenge.get("USER_ID_FOR_SRP", "")
        return {"USERNAME": challenge.get("USERNAME", user_id), "TIMESTAMP": when,
                "PASSWORD_CLAIM_SECRET_BLOCK": challenge.get("SECRET_BLOCK", ""),
                "PASSWORD_CLAIM_SIGNATURE": self.signature(
                    user_id, password, challenge.get("SALT", "0"),
                    challenge.get("SRP_B", "0"), challenge.get("SECRET_BLOCK", ""), when)}


def _block_bytes(secret_block: str) -> bytes:
    """SECRET_BLOCK is Base64 on AWS; a target sending something else still gets an answer
    (its own bytes), so the verdict is the target's, not a client crash."""
    try:
        return base64.b64decode(secret_block, validate=True)
    except (ValueError, TypeError):
        return secret_block.encode()


def verifier(pool_id: str, user_id: str, password: str, salt_hex: str) -> int:
    """v = g^x mod N: what a Cognito-like server stores (self-tests play the server)."""
    x = hash_hex(pad_hex(salt_hex) + hashlib.sha256(
        f"{pool_name(pool_id)}{user_id}:{password}".encode()).hexdigest())
    return pow(G, x, N)


def server_b(v: int, b: int) -> int:
    """B = k v + g^b mod N (server side, for self-tests)."""
    return (COGNITO.k * v + pow(G, b, N)) % N


def server_key(big_a: int, b: int, v: int) -> bytes:
    """The server's key for A, private b and verifier v (self-tests)."""
    big_b = server_b(v, b)
    u = COGNITO.h(cognito_bytes(big_a), cognito_bytes(big_b))
    s = pow(big_a * pow(v, u, N), b, N)
    return hkdf16(cognito_bytes(s), cognito_bytes(u))
