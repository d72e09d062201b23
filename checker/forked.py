"""Work handed to a forked process and its answers read back (the batch's second core): pickles over two pipes.

The child leaves by os._exit, so no buffer, exit handler or open file of the parent's is flushed or closed twice;
what it raises travels back and is raised in the parent where the answer is read.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
from collections.abc import Callable, Iterator
from typing import IO, Any

FORKS = hasattr(os, "fork")


class Forked:
    """A forked process running serve(requests, replies) until its requests end."""

    def __init__(self, serve: Callable[[IO[bytes], IO[bytes]], None]) -> None:
        sys.stdout.flush()  # what this process has not written yet must not be in the child's copy of the buffers
        sys.stderr.flush()
        request_in, request_out = os.pipe()
        reply_in, reply_out = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child
            os.close(request_out)
            os.close(reply_in)
            try:
                with os.fdopen(request_in, "rb") as requests, os.fdopen(reply_out, "wb") as replies:
                    serve(requests, replies)
            finally:
                os._exit(0)
        os.close(request_in)
        os.close(reply_out)
        self.pid: int = pid
        self.requests: IO[bytes] | None = os.fdopen(request_out, "wb")
        self.replies: IO[bytes] | None = os.fdopen(reply_in, "rb")

    def ask(self, request: Any) -> None:
        """Send one request."""
        assert self.requests is not None
        pickle.dump(request, self.requests, protocol=pickle.HIGHEST_PROTOCOL)
        self.requests.flush()

    def answer(self) -> Any:
        """The oldest answer not read yet (what the child raised, raised here)."""
        assert self.replies is not None
        try:
            ok, found = pickle.load(self.replies)
        except EOFError:
            raise RuntimeError("a forked part of the batch stopped before it answered") from None
        if not ok:
            raise found
        return found

    def stop(self) -> None:
        """End the child at once (its work no longer wanted) and reap it."""
        if self.pid:
            os.kill(self.pid, signal.SIGKILL)
        self.close()

    def close(self) -> None:
        """End the child (its requests end; an answer it is still writing breaks off) and reap it."""
        for stream in (self.requests, self.replies):
            if stream is not None:
                stream.close()
        self.requests = self.replies = None
        if self.pid:
            os.waitpid(self.pid, 0)
            self.pid = 0


def reply(replies: IO[bytes], work: Callable[[], Any]) -> None:
    """Write (True, what work returns), or (False, what it raised: its type and message if it does not pickle)."""
    try:
        data = pickle.dumps((True, work()), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:
        try:
            data = pickle.dumps((False, exc))
        except Exception:
            data = pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}")))
    replies.write(data)
    replies.flush()


def pickled(stream: IO[bytes]) -> Iterator[Any]:
    """Each object pickled in a pipe or file, from where it is to its end (a child's requests, a half's problems)."""
    while True:
        try:
            yield pickle.load(stream)
        except EOFError:
            return
