"""The model call's errors. Their class names are the error names the state machine's Retry and Catch
match (``agent_core/retries.json``): ``ModelThrottled``, ``ModelUnavailable`` and ``ModelTimedOut`` are
retried once; a ``ModelTimedOut`` that outlasts its retry is answered as a delay, the others as an error."""

from __future__ import annotations


class ModelError(Exception):
    """The model rejected the request, or the backend is misconfigured. Not retried."""


class ModelThrottled(ModelError):
    """The endpoint is throttling. Retried."""


class ModelUnavailable(ModelError):
    """A transient failure: 5xx, connection error. Retried."""


class ModelTimedOut(ModelUnavailable):
    """The model did not answer within the time the turn left it. Retried; then "that took longer"."""


class ModelOutputInvalid(ModelError):
    """The endpoint answered with a body that is not the expected payload. Not retried."""
