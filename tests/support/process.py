"""A causette server in its own process, for tests that kill, restart or share it."""

from __future__ import annotations

import os
import pathlib
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.request


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServerProcess:
    """``python -m causette serve`` with its own data directory and ``CAUSETTE_*`` env."""

    def __init__(
        self,
        data_dir: pathlib.Path,
        port: int | None = None,
        *,
        file_size_limit: int | None = None,
        **env: str,
    ) -> None:
        self.data_dir = data_dir
        # RLIMIT_FSIZE for the server: a full disk without a small filesystem (Python ignores
        # SIGXFSZ, so a write past it fails with EFBIG).
        self.file_size_limit = file_size_limit
        self.port = port or free_port()
        self.env = {
            **os.environ,
            "CAUSETTE_DATA_DIR": str(data_dir),
            "CAUSETTE_POW_DIFFICULTY": "4",
            "CAUSETTE_JOINS_PER_IP_PER_HOUR": "10000",
            "CAUSETTE_SECRET": "test-secret",
            **env,
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / f"server-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self, timeout: float = 60.0) -> ServerProcess:
        # 60 s, not 30: at a load average of 8 (browser tests, a safety evaluation) one
        # start took over 30 s, 17 of them importing (2026-12-03); 1.3 s on a quiet machine.
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "causette",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.data_dir,
            preexec_fn=self._limits if self.file_size_limit is not None else None,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}healthz", timeout=1) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"server not ready in {timeout}s: {self.log_path.read_text()[-2000:]}")

    def _limits(self) -> None:
        assert self.file_size_limit is not None
        resource.setrlimit(resource.RLIMIT_FSIZE, (self.file_size_limit, self.file_size_limit))

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, exactly like a crash."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
