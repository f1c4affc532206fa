"""The `py-tools` world, on Python's own standard library.

Time, environment and files go through wasi-libc, which maps them to
wasi:clocks, wasi:cli/environment and wasi:filesystem.
"""

import os
from datetime import datetime, timezone

import wit_world
from componentize_py_types import Err

_S64_MIN = -(1 << 63)


class WitWorld(wit_world.WitWorld):
    def get_current_time(self) -> str:
        now = datetime.now(timezone.utc)
        return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"

    def get_env(self, key: str) -> str | None:
        return os.environ.get(key)

    def read_file(self, path: str) -> str:
        try:
            with open(path, encoding="utf-8") as handle:
                return handle.read()
        except (OSError, UnicodeDecodeError) as error:
            raise Err(str(error))

    def add(self, a: int, b: int) -> int:
        return ((a + b - _S64_MIN) % (1 << 64)) + _S64_MIN
