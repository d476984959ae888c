"""The conformance suite as pytest items (collected with `--pyargs conformance.suite`)."""
