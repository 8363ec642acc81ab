"""Summarise a py-spy raw profile (``py-spy record -f raw``): ``python -m bench.flame FILE``.

Prints the total samples, the functions with the most self time, and the most inclusive
ones (a function counted once per stack), as shares of all samples.
"""

from __future__ import annotations

import collections
import sys


def summarise(path: str, top: int = 25) -> str:
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    with open(path) as fh:
        for line in fh:
            stack, _, count_text = line.rstrip("\n").rpartition(" ")
            if not stack:
                continue
            count = int(count_text)
            total += count
            frames = stack.split(";")
            own[frames[-1]] += count
            for frame in set(frames):
                inclusive[frame] += count
    lines = [f"{total} samples", "-- self"]
    lines += [f"{n / total:6.1%}  {f}" for f, n in own.most_common(top)]
    lines.append("-- inclusive")
    lines += [f"{n / total:6.1%}  {f}" for f, n in inclusive.most_common(top)]
    return "\n".join(lines)


if __name__ == "__main__":
    print(summarise(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 25))
