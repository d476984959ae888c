"""cognito-conformance: a conformance suite for the Amazon Cognito user-pools API.

Data flows one way (see ARCHITECTURE.md): specs/ -> conformance.spec -> conformance.targets
-> conformance.checks -> conformance.results -> conformance.reporting.
"""

__version__ = "0.1.0"
