"""A state-machine divergence's sequence as a runnable Python snippet (boto3 calls, in order).

Secrets never appear: every password in the journal is a symbol (`PW` for a user's first
password, `PW + "1"`, `PW + "2"` for the ones it changes to, `PW + "x"` for a wrong one) bound
to a fresh example value in the snippet, which works just as well because the sequence creates
its own users. A challenge's Session and a sign-in's AccessToken are taken from the previous
call's answer (`last`). Confirmation codes are shown as sent (they come from the target's code
oracle; on real AWS read them from the email).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore import xform_name

PASSWORD_SYMBOL = "<PW>"
WRONG_PASSWORD_SYMBOL = "<PW+x>"
SESSION_SYMBOL = "<SESSION>"
ACCESS_TOKEN_SYMBOL = "<ACCESS_TOKEN>"
_SYMBOLS = {f"'{PASSWORD_SYMBOL}'": "PW", f"'{WRONG_PASSWORD_SYMBOL}'": 'PW + "x"',
            **{f"'<PW{n}>'": f'PW + "{n}"' for n in range(1, 10)},
            f"'{SESSION_SYMBOL}'": 'last.get("Session")',
            f"'{ACCESS_TOKEN_SYMBOL}'": 'last.get("AuthenticationResult", {}).get("AccessToken")'}


def password_symbol(version: int) -> str:
    """The symbol of a user's password version (0: the one it was created with)."""
    return PASSWORD_SYMBOL if version == 0 else f"<PW{version}>"

HEADER = '''import boto3
from botocore.exceptions import ClientError

idp = boto3.client("cognito-idp", endpoint_url={endpoint!r}, region_name={region!r})
PW = "Repro-Passw0rd!"  # any policy-valid password (PW + "1" is another)
last = {{}}  # the previous successful answer (its Session, its tokens)


def step(name, **kwargs):
    try:
        answer = getattr(idp, name)(**kwargs)
        last.clear()
        last.update(answer)
        print(name, "->", answer)
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
