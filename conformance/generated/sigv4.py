"""SigV4 for requests sent by Schemathesis: a `requests` auth that signs the final request.

Why an auth object: Schemathesis serializes the body after our hooks run, so the signature
must be computed on the prepared request (exact bytes, final URL), the way
conformance.wire.Caller signs its own calls (botocore's SigV4Auth, service cognito-idp).
"""

from __future__ import annotations

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from requests import PreparedRequest
from requests.auth import AuthBase

from conformance.wire import AwsCredentials

SERVICE = "cognito-idp"
_SIGNED = ("Authorization", "X-Amz-Date", "X-Amz-Security-Token")


class SigV4(AuthBase):
    def __init__(self, credentials: AwsCredentials, region: str) -> None:
        self.credentials = Credentials(credentials.access_key, credentials.secret_key,
                                       credentials.token)
        self.region = region

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        body = request.body or b""
        data = body.encode() if isinstance(body, str) else body
        headers = {k: v for k, v in request.headers.items() if k not in _SIGNED}
        aws = AWSRequest(method=request.method, url=request.url, data=data, headers=headers)
        SigV4Auth(self.credentials, SERVICE, self.region).add_auth(aws)
        for name in _SIGNED:
            if name in aws.headers:
                request.headers[name] = aws.headers[name]
        return request
