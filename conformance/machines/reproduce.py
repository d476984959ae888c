"""A state-machine divergence's sequence as a runnable Python snippet (boto3 calls, in order).

Secrets never appear: every password in the journal is a symbol (`PW` for the right one,
`PW + "x"` for a wrong one) bound to a fresh example value in the snippet, which works just
as well because the sequence creates its own users. Confirmation codes are shown as sent
(they come from the target's code oracle; on real AWS read them from the email).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore import xform_name

PASSWORD_SYMBOL = "<PW>"
WRONG_PASSWORD_SYMBOL = "<PW+x>"
_SYMBOLS = {f"'{PASSWORD_SYMBOL}'": "PW", f"'{WRONG_PASSWORD_SYMBOL}'": 'PW + "x"'}

HEADER = '''import boto3
from botocore.exceptions import ClientError

idp = boto3.client("cognito-idp", endpoint_url={endpoint!r}, region_name={region!r})
PW = "Repro-Passw0rd!"  # any policy-valid password


def step(name, **kwargs):
    try:
        print(name, "->", getattr(idp, name)(**kwargs))
    except ClientError as err:
        print(name, "->", err.response["Error"])

'''


@dataclass(frozen=True)
class Entry:
    operation: str
    body: dict[str, Any]   # with passwords replaced by the symbols above
    expected: str          # the expected answer; for a call not judged, why it was made
    observed: str
    judged: bool = True


def snippet(entries: list[Entry], endpoint: str, region: str) -> str:
    lines = [HEADER.format(endpoint=endpoint, region=region)]
    for number, entry in enumerate(entries, 1):
        said = f"expected {entry.expected}" if entry.judged else f"{entry.expected}, not judged"
        lines.append(f"# {number}. {said}; target answered {entry.observed}")
        lines.append(f"step({xform_name(entry.operation)!r}, {_kwargs(entry.body)})")
    return "\n".join(lines) + "\n"


def _kwargs(body: dict[str, Any]) -> str:
    text = ", ".join(f"{key}={value!r}" for key, value in body.items())
    for symbol, code in _SYMBOLS.items():
        text = text.replace(symbol, code)
    return text
