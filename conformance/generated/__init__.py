"""Generated cases: Schemathesis drives the OpenAPI document derived from the model.

pairs.py     the (operation, check) pairs as data; ids `generated.<Operation>.<check>`
inject.py    real identifiers (pool, client, users, tokens) put into cases before each call
checks.py    our Schemathesis checks (error framing, status table, declared types, output
             shape, no echoed secrets, negative cases rejected as AWS does)
sigv4.py     SigV4 for the requests Schemathesis sends to IAM-authorized operations
runner.py    one Schemathesis run per operation (examples, coverage, fuzzing; positive and
             negative) tallying every check's verdict per case
results.py   tallies -> CheckResults (cases, first failing case as curl + boto3, masked)
The pytest items live in conformance/suite/test_generated.py.
"""
