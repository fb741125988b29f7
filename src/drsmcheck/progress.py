"""A spinner with the elapsed time on stderr, for runs long enough to wonder about.

Shown only when stderr is a terminal (never in a CI log or a redirected file) and only once the
run has taken `delay` seconds, so a quick run prints nothing extra. It is transient: the line
is erased when the run ends, before the report is printed.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any, TextIO


class DelayedProgress:
    """`with DelayedProgress("Validating…", sys.stderr): run()`."""

    def __init__(self, message: str, stream: TextIO, delay: float = 1.0) -> None:
        self.message = message
        self.stream = stream
        self.delay = delay
        self._lock = threading.Lock()
        self._stopped = False
        self._timer: threading.Timer | None = None
        self._progress: Any = None

    def _tty(self) -> bool:
        try:
            return bool(self.stream.isatty())
        except (AttributeError, ValueError):
            return False

    def __enter__(self) -> DelayedProgress:
        if self._tty() and self.delay <= 0:
            self._start()   # now: a timer thread could lose the race against a quick run
        elif self._tty():
            self._timer = threading.Timer(self.delay, self._start)
            self._timer.daemon = True
            self._timer.start()
        return self

    def _start(self) -> None:
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        with self._lock:
            if self._stopped:
                return
            console = Console(file=self.stream, highlight=False, markup=False)
            self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}"),
                                      TimeElapsedColumn(), console=console, transient=True)
            self._progress.add_task(self.message, total=None)
            self._progress.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        with self._lock:
            self._stopped = True
            if self._timer is not None:
                self._timer.cancel()
            if self._progress is not None:
                self._progress.stop()
