"""One captured request/response pair, and the masking of secrets in everything we write.

Why masking lives here: every report, log line and attachment is built from an Exchange, so
masking once at this seam covers them all. Two layers:
1. by key: members that carry secrets (passwords, SecretHash, tokens, sessions, keys) are
   replaced with `***` wherever they appear in a JSON body, header or map;
2. by value: every secret value the suite sends or receives is remembered in SECRETS, and
   `scrub()` removes it from any free text (a target echoing a password in an error message,
   a traceback, a raw body), so a secret under an unexpected key is still caught.
"""

from __future__ import annotations

import json
import shlex
import threading
from dataclasses import dataclass, field
from typing import Any

from ahocorasick_rs import AhoCorasick, MatchKind

MASK = "***"
SECRET_KEYS = frozenset({
    "Password", "PreviousPassword", "ProposedPassword", "TemporaryPassword", "SecretHash",
    "AccessToken", "IdToken", "RefreshToken", "Session", "ClientSecret", "SecretCode",
    "SecretAccessKey", "SessionToken", "AccessKeyId",
    "PASSWORD", "NEW_PASSWORD", "SECRET_HASH", "REFRESH_TOKEN", "SRP_A", "DEVICE_KEY",
    "authorization", "x-amz-security-token",
    # members the model marks sensitive that carry secrets too (RevokeToken, client secrets)
    "Token", "ClientSecretValue", "Secret", "FeedbackToken",
    "PASSWORD_CLAIM_SIGNATURE", "PASSWORD_CLAIM_SECRET_BLOCK", "SECRET_BLOCK",
})
_MIN_SECRET_LEN = 4  # shorter values would scrub ordinary text
# Texts this long are scrubbed by ONE automaton (the chunks merged first, a full rebuild:
# ~20 ms for a run's ~1,000 secrets). Merging several chunks' matches searches a chunk again
# after each overlap, to the end of the text: quadratic where matches overlap densely, and
# generated bodies make that case: 131 KB runs of "a" against remembered generated passwords
# "aaaa", "aaaaa", ... cost 2-9 s per scrub (30 s of a ci run, all in the process that serves
# the embedded moto). Below it the merge is cheap, and rebuilding would not be.
WHOLE_AT = 8192


class _Chunk:
    """An Aho-Corasick automaton over the written forms of some secrets: `search(text, pos)`
    gives the leftmost-longest form at or after `pos`, as `(start, end)` or None."""

    def __init__(self, values: list[str]) -> None:
        self.values = values
        forms = sorted({f for v in values for f in _written_forms(v)})
        self._automaton = AhoCorasick(forms, matchkind=MatchKind.LeftmostLongest)

    def matches(self, text: str, pos: int = 0) -> list[tuple[int, int]]:
        """Every leftmost-longest, non-overlapping match from `pos` on, in order."""
        found = self._automaton.find_matches_as_indexes(text[pos:] if pos else text)
        return [(start + pos, end + pos) for _, start, end in found]


class _SecretRegistry:
    """Process-wide set of secret values seen; thread-safe, only grows.

    Scrubbing finds, left to right, the longest written form of any secret starting at the
    earliest position and masks it (leftmost-longest: what one alternation of every form,
    longest first, does). What made that slow (issue 12, part 7) was rebuilding the matcher
    as secrets arrive (runs remember ~2,000 values, a scrub follows most additions): one
    re.compile of the alternation took 0.5 s late in a run, and even trie-shaped regexes
    compiled in chunks cost ~15 ms each, 378 times a run (23 % of the hand-written checks'
    time). So the forms live in Aho-Corasick automata (ahocorasick-rs, built in Rust at ~5 us
    a form, matched in one pass), in chunks sized like a binary counter: new secrets become a
    small chunk, merged with the trailing chunks no larger than it, so each value is rebuilt
    O(log n) times and there are O(log n) chunks. `scrub` merges the chunks' matches:
    earliest start wins, then the longest; a chunk whose next match overlaps the one taken
    searches again from there. A text of WHOLE_AT characters or more is searched by one
    automaton instead (the chunks merged first), where those searches again would be
    quadratic.
    """

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()
        self._pending: list[str] = []           # added, not in a chunk yet
        self._chunks: list[_Chunk] = []          # sizes strictly decrease
        self._patterns: tuple[_Chunk, ...] = ()  # snapshot of _chunks for scrub()

    def add(self, value: object) -> None:
        if isinstance(value, str) and len(value) >= _MIN_SECRET_LEN:
            with self._lock:
                if value not in self._values:
                    self._values.add(value)
                    self._pending.append(value)

    def _compiled(self, whole: bool = False) -> tuple[_Chunk, ...]:
        """The chunks to search; `whole`: first merged into one (see WHOLE_AT)."""
        with self._lock:
            if self._pending or (whole and len(self._chunks) > 1):
                values, self._pending = self._pending, []
                while self._chunks and (whole or len(self._chunks[-1].values) <= len(values)):
                    values = self._chunks.pop().values + values
                self._chunks.append(_Chunk(values))
                self._patterns = tuple(self._chunks)
            return self._patterns

    def scrub(self, text: str) -> str:
        chunks = self._compiled(whole=len(text) >= WHOLE_AT)
        if not chunks or not text:
            return text
        found = [chunk.matches(text) for chunk in chunks]
        if len(found) == 1:
            spans = found[0]
        else:
            spans = _merge(text, chunks, found)
        if not spans:
            return text
        out: list[str] = []
        pos = 0
        for start, end in spans:
            out += (text[pos:start], MASK)
            pos = end
        out.append(text[pos:])
        return "".join(out)

    def values(self) -> frozenset[str]:
        """A read-only snapshot of every secret value remembered so far (self-tests grep it)."""
        with self._lock:
            return frozenset(self._values)


def _merge(text: str, chunks: tuple[_Chunk, ...],
           found: list[list[tuple[int, int]]]) -> list[tuple[int, int]]:
    """The leftmost-longest spans over several chunks, given each chunk's own."""
    cursors = [0] * len(found)
    spans: list[tuple[int, int]] = []
    pos = 0
    while True:
        best: tuple[int, int] | None = None
        for i, matches in enumerate(found):
            if cursors[i] < len(matches) and matches[cursors[i]][0] < pos:
                found[i], cursors[i] = chunks[i].matches(text, pos), 0  # overlapped: search on
            if cursors[i] < len(found[i]):
                span = found[i][cursors[i]]
                if best is None or span[0] < best[0] or (span[0] == best[0] and span[1] > best[1]):
                    best = span
        if best is None:
            return spans
        spans.append(best)
        pos = best[1]
        for i, matches in enumerate(found):
            while cursors[i] < len(matches) and matches[cursors[i]] == best:
                cursors[i] += 1


def _written_forms(value: str) -> list[str]:
    """How a secret can appear in text we write: JSON-escaped (ASCII or not), repr, raw."""
    forms = [json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1],
             repr(value)[1:-1], value]
    return sorted(set(forms), key=len, reverse=True)


SECRETS = _SecretRegistry()


def is_secret_key(key: str) -> bool:
    return key in SECRET_KEYS or key.lower() in SECRET_KEYS


def mask(value: Any) -> Any:
    """A deep copy of a JSON-like value with secret members masked (and remembered)."""
    if isinstance(value, dict):
        return {k: _mask_member(k, v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v) for v in value]
    if isinstance(value, str):
        return SECRETS.scrub(value)
    return value


def _mask_member(key: str, value: Any) -> Any:
    if is_secret_key(str(key)):
        remember(value)
        return MASK
    return mask(value)


def remember(value: Any) -> None:
    """Register every string inside `value` as a secret."""
    if isinstance(value, dict):
        for v in value.values():
            remember(v)
    elif isinstance(value, list):
        for v in value:
            remember(v)
    else:
        SECRETS.add(value)


def harvest(value: Any) -> None:
    """Walk a body and remember the values of its secret members (before anything prints it)."""
    if isinstance(value, dict):
        for key, member in value.items():
            if is_secret_key(str(key)):
                remember(member)
            else:
                harvest(member)
    elif isinstance(value, list):
        for member in value:
            harvest(member)


def scrub(text: str) -> str:
    return SECRETS.scrub(text)


def _json_or_none(data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


@dataclass(frozen=True)
class Exchange:
    """What was sent and what came back; `headers` keys of the response are lower-case."""

    operation: str
    url: str
    target_header: str | None
    request_headers: dict[str, str]
    request_body: bytes
    signed: bool
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed_s: float
    region: str = "us-east-1"
    method: str = "POST"  # GET for the few plain HTTP reads (a pool's JWKS)
    json_cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def json(self) -> Any:
        if "v" not in self.json_cache:
            self.json_cache["v"] = _json_or_none(self.body)
        return self.json_cache["v"]

    @property
    def request_json(self) -> Any:
        return _json_or_none(self.request_body)

    @property
    def error_type(self) -> str | None:
        body = self.json
        value = body.get("__type") if isinstance(body, dict) else None
        return value if isinstance(value, str) else None

    @property
    def message(self) -> Any:
        body = self.json
        if not isinstance(body, dict):
            return None
        return body.get("message", body.get("Message"))

    def ok_json(self, error: type[Exception], step: str) -> dict[str, Any]:
        """The JSON object of a 200 answer, else `error("<step> failed: <summary>")`.

        For set-up steps (provisioning, sign-ups before the call under test): their failure
        is not the verdict of a check, so each caller names the exception it maps to.
        """
        if self.status != 200 or not isinstance(self.json, dict):
            raise error(f"{step} failed: {self.summary()}")
        return self.json

    def summary(self) -> dict[str, Any]:
        """Status, error type and message (masked): the `observed` of most checks."""
        return mask({"status": self.status, "type": self.error_type, "message": self.message})

    def evidence(self) -> dict[str, Any]:
        """The whole exchange, masked, for reports and attachments."""
        body = self.json
        request = {"url": self.url, "headers": self.request_headers,
                   "body": self.request_json if self.request_json is not None
                   else self.request_body.decode("utf-8", "replace")}
        if self.method != "POST":
            request = {"method": self.method, **request}
        return mask({
            "operation": self.operation,
            "request": request,
            "response": {"status": self.status, "headers": self.headers,
                         "body": body if body is not None
                         else self.body.decode("utf-8", "replace")[:2000]},
        })

    def reproduce(self) -> str:
        """A runnable curl command (secrets masked; signed calls use curl's --aws-sigv4)."""
        if self.method != "POST":
            return " ".join(shlex.quote(p) for p in ["curl", "-sS", "-X", self.method,
                                                      scrub(self.url)])
        body = self.request_json
        data = json.dumps(mask(body)) if body is not None else scrub(
            self.request_body.decode("utf-8", "replace"))
        parts = ["curl", "-sS", "-X", "POST", self.url,
                 "-H", "Content-Type: " + self.request_headers.get(
                     "Content-Type", "application/x-amz-json-1.1")]
        if self.target_header:
            parts += ["-H", "X-Amz-Target: " + self.target_header]
        if self.signed:
            parts += ["--aws-sigv4", f"aws:amz:{self.region}:cognito-idp",
                      "--user", "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"]
        parts += ["--data", data]
        return " ".join(shlex.quote(p) if not p.startswith("$AWS") else f'"{p}"'
                        for p in parts)

    def reproduce_boto3(self) -> str:
        body = self.request_json
        if not isinstance(body, dict):
            return ""
        method = _snake(self.operation)
        return ("boto3.client('cognito-idp', endpoint_url=" + repr(self.url.rstrip("/"))
                + ", config=botocore.config.Config(parameter_validation=False))."
                + f"{method}(**{mask(body)!r})")


def _snake(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and (not name[i - 1].isupper() or
                                   (i + 1 < len(name) and name[i + 1].islower())):
            out.append("_")
        out.append(ch.lower())
    return "".join(out)
