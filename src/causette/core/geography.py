"""French départements and their regions: what a chatter declares and what others see.

A chatter declares a département (or ``hors``, outside France); other chatters only ever
see its region. The table ships as package data (``data/departements.csv``).
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib import resources

OUTSIDE_FRANCE = "hors"


@dataclass(frozen=True, slots=True)
class Department:
    code: str
    name: str
    region: str


def parse_departments(text: str) -> dict[str, Department]:
    rows = csv.DictReader(io.StringIO(text), delimiter=";")
    return {r["code"]: Department(r["code"], r["name"], r["region"]) for r in rows}


@functools.cache
def departments() -> dict[str, Department]:
    text = resources.files("causette").joinpath("data/departements.csv").read_text("utf-8")
    return parse_departments(text)


def department(code: str) -> Department | None:
    """The département for a code; accepts ``1`` for ``01`` and any case for ``2a``/``HORS``."""
    code = code.strip().upper() if code.strip().lower() != OUTSIDE_FRANCE else OUTSIDE_FRANCE
    if code.isdigit() and len(code) == 1:
        code = "0" + code
    return departments().get(code)
