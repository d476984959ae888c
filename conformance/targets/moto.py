"""moto as a target: started in-process on a free loopback port, or attached with --endpoint.

moto 5.2 serves cognito-idp without checking SigV4 and does not check confirmation codes:
every code is accepted. Its code oracle therefore returns a fixed code, and the checks that
need a wrong code to be rejected show moto's behaviour honestly (see expectations/moto.toml).

Its declared capabilities are confirmed by the start-up probe like every target's (one
throw-away pool, a few milliseconds): moto behind a proxy, or a moto version whose admin
calls break, must fail the checks that need them, not quietly skip them.
"""

from __future__ import annotations

import logging
from typing import ClassVar

import requests

from conformance.config import RunConfig
from conformance.targets.base import Lack, StartedServer, TargetStartError
from conformance.targets.probe import ProbedCapabilities

FIXED_CODE = "123456"


class MotoTarget(StartedServer, ProbedCapabilities):
    name: ClassVar[str] = "moto"
    capabilities = frozenset({"code-oracle", "reset", "admin", "create-pool"})
    # What checks' set-up may need and moto 5.2 does not implement (Target.lacks): its
    # NotImplementedError becomes a 500 HTML page without __type.
    lacks: ClassVar[dict[str, Lack]] = {
        op: Lack(f"moto 5.2 does not implement {op} (500 HTML page; judged by the {op} "
                 "checks)", 500, None)
        for op in ("RevokeToken", "DeleteUser", "ResendConfirmationCode")}

    def __init__(self, config: RunConfig) -> None:
        self.config = config
        self._server = None
        self._endpoint = config.endpoint

    def start(self) -> None:
        if self._endpoint:
            return
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.CRITICAL)  # 500 tracebacks
        try:
            self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
            self._server.start()
        except Exception as exc:  # noqa: BLE001 - any start failure is a start error
            raise TargetStartError(f"moto did not start: {exc}") from exc
        host, port = self._server.get_host_and_port()
        self._endpoint = f"http://{host}:{port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
            self._endpoint = None

    def reset(self) -> None:
        requests.post(self.endpoint + "/moto-api/reset", timeout=self.config.timeout_s)

    def version(self) -> str:
        import moto

        # A server attached with --endpoint may be another moto version: "?".
        return f"{moto.__version__}?" if self.config.endpoint else moto.__version__

    def confirmation_code(self, pool_id: str, username: str) -> str | None:
        return FIXED_CODE

    def forgot_password_code(self, pool_id: str, username: str) -> str | None:
        """The code ForgotPassword sent. moto accepts any code unless it starts with its
        private `moto-confirmation-code:` prefix (revealed only in a moto-specific response
        header), so a fixed code stands in, as for sign-up codes."""
        return FIXED_CODE


TARGET = MotoTarget
