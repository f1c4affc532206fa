"""Wassette's `eval-py` world on CPython compiled to WebAssembly.

Each call gets fresh globals, so nothing one call defines is seen by the
next. What the code may touch beyond memory (files, environment, network)
is whatever the host's policy grants the component; the interpreter itself
adds no restriction.
"""

import builtins
import contextlib
import io
import traceback

import wit_world
from componentize_py_types import Err


def _fresh_globals() -> dict:
    return {"__builtins__": builtins, "__name__": "__main__"}


def _describe(error: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(error), error)).strip()


class WitWorld(wit_world.WitWorld):
    def eval(self, expression: str) -> str:
        try:
            code = compile(expression, "<expression>", "eval")
            return repr(builtins.eval(code, _fresh_globals()))
        except BaseException as error:  # SystemExit and KeyboardInterrupt too: the guest must answer
            raise Err(_describe(error))

    def exec(self, statements: str) -> str:
        out = io.StringIO()
        try:
            code = compile(statements, "<statements>", "exec")
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                builtins.exec(code, _fresh_globals())
        except BaseException as error:
            printed = out.getvalue()
            raise Err(f"{printed}{_describe(error)}" if printed else _describe(error))
        return out.getvalue()
