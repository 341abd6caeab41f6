"""Lambda emulation: a function's handler loaded as a fresh Lambda instance would load it, with its own
environment, and invoked one event at a time with a Lambda context."""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, TextIO
from unittest import mock

from harness.manifest import ACCOUNT, REGION
from harness.paths import FUNCTIONS_DIR


class LambdaContext:
    """What the Lambda runtime passes as ``context``."""

    def __init__(self, function_name: str, timeout_seconds: int, memory_mb: int) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}"
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_handler(folder: str, env: dict[str, str], module_name: str) -> ModuleType:
    """Import ``functions/<folder>/handler.py`` as a fresh module, as a new Lambda instance would:
    its module-level code (settings, clients) runs with ``env`` set."""
    spec = importlib.util.spec_from_file_location(module_name, FUNCTIONS_DIR / folder / "handler.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"no handler in functions/{folder}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses look their module up while the class is built
    with mock.patch.dict(os.environ, env):
        spec.loader.exec_module(module)
    return module


def send_logs_to(module: ModuleType, sink: TextIO, level: str) -> None:
    """Where one function's structured logs and EMF metrics go, and from which level (Powertools
    loggers are per service and per process, so each loaded instance is set as a new one would be)."""
    module.logger.setLevel(level)
    # Assigned, not setStream(): that flushes the previous stream, which an earlier agent (or a test's
    # captured output) may have closed.
    module.logger.registered_handler.stream = sink
    module.metrics.stream = sink


@dataclass
class LocalFunction:
    name: str  # folder in functions/
    function_name: str  # deployed name
    module: ModuleType
    timeout_seconds: int
    memory_mb: int = 256
    lock: threading.Lock = field(default_factory=threading.Lock)

    def invoke(self, event: Any) -> Any:
        """One invocation at a time, as one Lambda instance serves one request at a time."""
        with self.lock:
            context = LambdaContext(self.function_name, self.timeout_seconds, self.memory_mb)
            return self.module.lambda_handler(event, context)
