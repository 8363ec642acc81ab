"""What the load generators read of processes and the machine, and small helpers shared by
every scenario: no client library here, so the test suite imports it too (bench_flood's
quick variant runs in ``make test``).

Server CPU time comes from /proc/PID/stat, memory from /proc/PID/status (VmRSS), the
machine's busy time from /proc/stat.
"""

from __future__ import annotations

import os
import resource
import socket


def raise_nofile() -> int:
    """Raise this process's RLIMIT_NOFILE to its hard limit; return the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def machine_cpu_seconds() -> float:
    """Busy CPU seconds of the whole machine since boot, all cores (``/proc/stat``: all but
    idle and iowait)."""
    with open("/proc/stat") as fh:
        fields = [int(x) for x in fh.readline().split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def command_cpu_seconds(*commands: str) -> float:
    """CPU seconds of every process named one of ``commands`` (``/proc/PID/comm``, e.g.
    ``redis-server``, ``postgres``), summed: whoever runs them, so the machine's, not only
    this benchmark's; processes that ended in between are missed."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm") as fh:
                if fh.read().strip() not in commands:
                    continue
            total += cpu_seconds(int(entry))
        except OSError:
            continue
    return total


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, int(len(sorted_values) * q))
    return sorted_values[index]
