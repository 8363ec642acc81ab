"""Départements: the shipped table, lenient code forms, unknown codes refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from causette.core.geography import (
    OUTSIDE_FRANCE,
    Department,
    department,
    departments,
    parse_departments,
)

METROPOLE = [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B"]
OUTRE_MER = ["971", "972", "973", "974", "976"]
REGIONS = {
    "Auvergne-Rhône-Alpes",
    "Bourgogne-Franche-Comté",
    "Bretagne",
    "Centre-Val de Loire",
    "Corse",
    "Grand Est",
    "Hauts-de-France",
    "Île-de-France",
    "Normandie",
    "Nouvelle-Aquitaine",
    "Occitanie",
    "Pays de la Loire",
    "Provence-Alpes-Côte d'Azur",
}


def test_table_has_every_departement_and_hors() -> None:
    """The shipped table holds 01–95 (with 2A/2B, no 20), the five DROM and hors."""
    assert set(departments()) == set(METROPOLE) | set(OUTRE_MER) | {OUTSIDE_FRANCE}


def test_every_row_is_complete() -> None:
    """Each row's code matches its key and has a non-empty name and region."""
    for code, dept in departments().items():
        assert dept.code == code
        assert dept.name.strip() and dept.region.strip()


def test_metropolitan_regions_are_the_thirteen() -> None:
    """Metropolitan départements map exactly onto the 13 regions."""
    assert {departments()[c].region for c in METROPOLE} == REGIONS


@pytest.mark.parametrize(
    ("code", "name", "region"),
    [
        ("75", "Paris", "Île-de-France"),
        ("2A", "Corse-du-Sud", "Corse"),
        ("2B", "Haute-Corse", "Corse"),
        ("13", "Bouches-du-Rhône", "Provence-Alpes-Côte d'Azur"),
        ("69", "Rhône", "Auvergne-Rhône-Alpes"),
        ("29", "Finistère", "Bretagne"),
    ],
)
def test_known_departements(code: str, name: str, region: str) -> None:
    """Well-known codes give their name and region."""
    assert department(code) == Department(code, name, region)


def test_outre_mer_have_regions() -> None:
    """The DROM codes resolve, each with a region that is not a metropolitan one."""
    for code in OUTRE_MER:
        dept = department(code)
        assert dept is not None and dept.code == code
        assert dept.region not in REGIONS


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("75", "75"),
        ("2A", "2A"),
        ("2a", "2A"),
        ("2b", "2B"),
        ("1", "01"),
        ("9", "09"),
        ("01", "01"),
        ("971", "971"),
        (" 75 ", "75"),
        ("hors", "hors"),
        ("HORS", "hors"),
        ("Hors", "hors"),
    ],
)
def test_lenient_forms(raw: str, code: str) -> None:
    """Case, a missing leading zero and surrounding spaces are accepted."""
    dept = department(raw)
    assert dept is not None
    assert dept.code == code


@pytest.mark.parametrize(
    "raw", ["96", "20", "XX", "0", "00", "100", "975", "977", "", " ", "2C", "7 5", "075", "١"]
)
def test_unknown_codes_refused(raw: str) -> None:
    """Codes that are not départements give None."""
    assert department(raw) is None


@given(st.text(max_size=5))
def test_lookup_never_crashes_and_only_returns_table_rows(raw: str) -> None:
    """Any text either gives a row of the table or None, never an exception."""
    dept = department(raw)
    assert dept is None or departments()[dept.code] == dept


def test_parse_departments_reads_semicolon_csv() -> None:
    """parse_departments reads a ;-separated table with a header."""
    table = parse_departments("code;name;region\n01;Ain;ARA\n2A;Corse-du-Sud;Corse\n")
    assert table == {
        "01": Department("01", "Ain", "ARA"),
        "2A": Department("2A", "Corse-du-Sud", "Corse"),
    }
