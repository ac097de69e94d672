"""``email_check`` accepts, normalises and refuses exactly as ``schemas.Email`` (pydantic's EmailStr)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from class_management_service.api.email_check import EmailError, _domain, normalized_email
from class_management_service.api.schemas import Email

_EMAIL = TypeAdapter(Email)

HAND_PICKED = [
    "anna.berg@example.org",
    "Anna.Berg@EXAMPLE.ORG",
    "a@b.co",
    "a+tag@example.org",
    "o'brien@example.ie",
    "x!#$%&'*+/=?^_`{|}~-@example.org",
    ".a@example.org",
    "a.@example.org",
    "a..b@example.org",
    '"quoted local"@example.org',
    '"a@b"@example.org',
    '"plain"@example.org',
    "Anna Berg <anna@example.org>",
    '"Berg, Anna" <anna@example.org>',
    "<anna@example.org>",
    " anna@example.org ",
    "anna@example.org\n",
    "\tanna@example.org",
    "anna@example.org.",
    "anna@.example.org",
    "anna@example..org",
    "anna@-example.org",
    "anna@example-.org",
    "anna@example",
    "anna@localhost",
    "anna@school.test",
    "anna@school.local",
    "anna@SCHOOL.LOCAL",
    "anna@school.invalid",
    "anna@school.onion",
    "anna@example.com.local",
    "anna@xn--mnchen-3ya.de",
    "anna@münchen.de",
    "anna@MÜNCHEN.DE",
    "ånna@example.org",
    "anna@exämple.org",
    "用户@例子.广告",
    "anna@例子.广告",
    "anna@[192.0.2.1]",
    "anna@192.0.2.1",
    "a@b@example.org",
    "@example.org",
    "anna@",
    "anna",
    "",
    "anna\uff20example.org",  # a full-width at-sign
    "Postmaster@example.org",
    "ABUSE@example.org",
    "info.x@example.org",
    "anna@" + "a" * 63 + ".org",
    "anna@" + "a" * 64 + ".org",
    "a" * 64 + "@example.org",
    "a" * 65 + "@example.org",
    "a" * 200 + "@" + "b" * 40 + ".org",
    "a" * 240 + "@example.org",
    "a" * 241 + "@example.org",
    "a" * 242 + "@example.org",
    "a" * 243 + "@example.org",
    "a" * 250 + "@example.org",
    "a@" + ".".join(["b" * 60] * 4) + ".org",
    "a" * 10 + "@" + ".".join(["ü" * 20] * 5) + ".de",
    "anna@e\u0301xample.org",
    "anna@\u0301example.org",
    "anna\u0301@example.org",
    "anna@example.org\x00",
    "an\x00na@example.org",
    "anna@exa mple.org",
    "anna@exa\u00a0mple.org",
    "anna@exa_mple.org",
    "anna@1.org",
    "anna@example.123",
    "anna@ex\\ample.org",
    'anna@ex"ample.org',
    "anna@ex<ample.org",
    "anna@ex(ample).org",
    "anna@example.org,b@example.org",
]


def _expected(value: str) -> tuple[str, str | None]:
    """("ok", normalised) or ("error", message), as ``Email`` answers."""
    try:
        return "ok", _EMAIL.validate_python(value)
    except ValidationError as error:
        return "error", error.errors(include_url=False)[0]["msg"]


def _actual(value: str) -> tuple[str, str | None]:
    try:
        return "ok", normalized_email(value)
    except EmailError as error:
        return "error", error.message


@pytest.mark.parametrize("value", HAND_PICKED)
def test_hand_picked_addresses_match_email_str(value: str) -> None:
    assert _actual(value) == _expected(value)


def test_a_domain_seen_again_answers_from_the_cache_the_same() -> None:
    for value in HAND_PICKED * 2:
        assert _actual(value) == _expected(value)


def test_plain_addresses_take_the_cached_path() -> None:
    hits = _domain.cache_info().hits
    for number in range(10):
        assert normalized_email(f"student.{number}@Cached-School.example.ORG") == (
            f"student.{number}@cached-school.example.org"
        )
    assert _domain.cache_info().hits == hits + 9


_ATEXT = st.sampled_from([*"abcXYZ019!#$%&'*+/=?^_`{|}~-.\"@ <>(),;:\\[]\x00", "ü", "é", "\u0301", "用"])
_LABEL = st.text(st.sampled_from(list("abcXYZ019-_ü例.")), min_size=0, max_size=70)
_TLD = st.sampled_from(
    ["org", "com", "ORG", "de", "test", "local", "localhost", "invalid", "example", "onion", "arpa", "1", ""]
)


@st.composite
def _addresses(draw: st.DrawFn) -> str:
    local = draw(st.text(_ATEXT, min_size=0, max_size=80))
    labels = draw(st.lists(_LABEL, min_size=0, max_size=5))
    domain = ".".join([*labels, draw(_TLD)])
    around = draw(st.sampled_from(["", " ", "\n", "."]))
    return f"{local}@{domain}{around}"


@settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(_addresses())
@example("x" * 64 + "@" + "y" * 63 + "." + "z" * 63 + "." + "w" * 50 + ".org")
def test_generated_addresses_match_email_str(value: str) -> None:
    assert _actual(value) == _expected(value)


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(st.text(max_size=300))
def test_arbitrary_text_matches_email_str(value: str) -> None:
    assert _actual(value) == _expected(value)


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(st.emails())
def test_hypothesis_emails_match_email_str(value: str) -> None:
    assert _actual(value) == _expected(value)
