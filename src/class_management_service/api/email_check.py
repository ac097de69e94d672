"""An email check for many rows at once that accepts and normalises exactly as ``schemas.Email``.

``Email`` (pydantic's ``EmailStr``, at most 255 characters) runs email-validator on every value,
which costs tens of microseconds: most of a roster import's per-row work. A roster has few
distinct domains and mostly plain local parts, so this splits the work: each distinct domain
is validated once by the same function ``EmailStr`` calls (cached), and the local part is
checked against email-validator's own dot-atom pattern. Anything else (quoted or
internationalised local parts, display names, surrounding whitespace, reserved mailbox names
that are lower-cased, addresses near the length limit, any invalid value) goes to ``Email``
itself, so the accepted set, the normalised value and every error message stay identical;
``tests/unit/test_email_check.py`` holds the two side by side.
"""

from __future__ import annotations

import re
from functools import lru_cache

from email_validator import EmailNotValidError
from email_validator import validate_email as email_validator_validate
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES, DOT_ATOM_TEXT, EMAIL_MAX_LENGTH
from pydantic import TypeAdapter, ValidationError
from pydantic.networks import validate_email as pydantic_validate_email
from pydantic_core import PydanticCustomError

from class_management_service.api.schemas import Email

_EMAIL = TypeAdapter(Email)
# A dot-atom local part (email-validator's pattern), one @, and a domain without whitespace,
# quotes, angle brackets or a second @ (so neither pydantic's display-name form nor
# email-validator's quoting can apply).
_PLAIN = re.compile(r"([^@]+)@([^@\s<>\"\\]+)")
_RESERVED_LOCAL_PARTS = frozenset(CASE_INSENSITIVE_MAILBOX_NAMES)
_DOMAIN_CACHE_SIZE = 4096


class EmailError(ValueError):
    """The value is not an acceptable email; ``message`` is ``Email``'s own."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def normalized_email(value: str) -> str:
    """The address as ``Email`` would return it, or EmailError with ``Email``'s message."""
    match = _PLAIN.fullmatch(value)
    if match is not None:
        local, domain = match.groups()
        known = _domain(domain)
        if (
            known is not None
            and DOT_ATOM_TEXT.match(local)
            and len(local) + 1 + known[1] <= EMAIL_MAX_LENGTH
            and local.lower() not in _RESERVED_LOCAL_PARTS
        ):
            return f"{local}@{known[0]}"
    return _full_check(value)


def _full_check(value: str) -> str:
    try:
        return _EMAIL.validate_python(value)
    except ValidationError as error:
        raise EmailError(error.errors(include_url=False)[0]["msg"]) from None


@lru_cache(maxsize=_DOMAIN_CACHE_SIZE)
def _domain(domain: str) -> tuple[str, int] | None:
    """The normalised domain and the longest UTF-8 length of its forms, None if not accepted.

    The lengths are those email-validator checks the whole address by (as written, normalised,
    and in IDNA ASCII), so a local part of n ASCII characters fits when n + 1 + that ≤ 254.
    """
    probe = f"a@{domain}"
    try:
        _, normalized = pydantic_validate_email(probe)
        ascii_domain = email_validator_validate(probe, check_deliverability=False).ascii_domain
    except (PydanticCustomError, EmailNotValidError):
        return None
    normalized_domain = normalized.partition("@")[2]
    forms = (domain, normalized_domain, ascii_domain)
    return normalized_domain, max(len(form.encode()) for form in forms)
