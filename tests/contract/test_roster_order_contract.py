"""The roster's name order, identical on every backend: the Unicode Collation Algorithm, then id."""

from __future__ import annotations

import unicodedata

from tests.conftest import unique_user
from tests.contract.conftest import Repos, add_class, add_student

NFD_ELAN = unicodedata.normalize("NFD", "Élan")

# (last name, first name) in the order people read them, written by hand. Case and accents do not
# separate names (Aaron, Åberg, Adams; berg, Berg; Öst among the Os), and decide only between names
# otherwise equal: lower case first, then an accent. ß reads as ss; a hyphen sorts before letters;
# an empty first name before any other. "Élan" composed and decomposed are collation-equal, and the
# text itself (code-point order) puts the decomposed first.
EXPECTED = [
    ("Aaron", "Ann"),
    ("Åberg", "Ann"),
    ("Adams", "Ann"),
    ("Ähren", "Ann"),
    ("berg", "Ann"),
    ("Berg", "ann"),
    ("Berg", "Ann"),
    ("Ek", ""),
    ("Ek", "Bo"),
    ("Ek", "Bo"),
    ("Ek", "Émile"),
    ("Ek", "Eve"),
    ("Elan", "Ann"),
    ("élan", "Ann"),
    (NFD_ELAN, "Ann"),
    ("Élan", "Ann"),
    ("O'Brien", "Ann"),
    ("Obrien", "Ann"),
    ("Öst", "Ann"),
    ("Smith", "Ann"),
    ("Smith-Jones", "Ann"),
    ("Smithson", "Ann"),
    ("Straus", "Ann"),
    ("Strauss", "Ann"),
    ("Strauß", "Ann"),
    ("Zulu", "Ann"),
]


async def test_roster_orders_names_by_unicode_collation_then_id_on_every_backend(repos: Repos) -> None:
    owner = unique_user()
    school_class = await add_class(repos, owner)
    enrolled = [
        await add_student(repos, owner, first_name=first, last_name=last, class_ids=[school_class.id])
        for last, first in reversed(EXPECTED)
    ]
    twins = sorted(s.id for s in enrolled if (s.last_name, s.first_name) == ("Ek", "Bo"))

    roster = await repos.classes.roster(school_class.id, owner)

    assert [(entry.last_name, entry.first_name) for entry in roster] == EXPECTED
    assert [entry.student_id for entry in roster if entry.first_name == "Bo"] == twins
