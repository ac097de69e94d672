"""Request constraints the service enforces beyond what its pydantic models' JSON schemas say.

The models strip whitespace before checking lengths, and the domain allows one course per class and
only the seeded courses; a client generated from the document should know all of that up front.
Patches are keyed by the schema's title and property, so one more rule is one more line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from email_validator import SPECIAL_USE_DOMAIN_NAMES

from class_management_service.api.request_context import MAX_EXTERNAL_ID_LENGTH

# The courses migration 0002 seeds; a class is bound to exactly one of them.
COURSE_CODES = ("ENG5", "ENG6", "ENG7", "SV1", "SV2", "SV3")
# Something other than whitespace, and no NUL (PostgreSQL rejects NUL in text).
_NOT_BLANK = r"^[^\x00]*[^\s\x00][^\x00]*$"
_MAX_NAME = 255
_MAX_LEGAL_NAME = 512
_MAX_SEARCH = 100

Schema = dict[str, Any]


def _one_course(schema: Schema) -> None:
    schema["maxItems"] = 1
    schema["items"] = {"type": "string", "enum": list(COURSE_CODES)}
    schema["description"] = "Exactly one course code, one of the seeded courses"


def _stripped(max_length: int, *, may_be_empty: bool) -> Callable[[Schema], None]:
    """The models strip surrounding whitespace before checking length: a pattern says exactly that."""
    core = rf"[^\s\x00](?:[^\x00]{{0,{max_length - 2}}}[^\s\x00])?"
    if may_be_empty:
        core = f"(?:{core})?"

    def rule(schema: Schema) -> None:
        schema.pop("minLength", None)
        schema.pop("maxLength", None)
        schema["pattern"] = rf"^\s*{core}\s*$"
        schema["description"] = f"At most {max_length} characters once surrounding whitespace is stripped"

    return rule


def _any_case(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word)


# email-validator (behind pydantic's EmailStr) refuses special-use domains such as `.test`.
_SPECIAL_USE = "|".join(_any_case(name) for name in SPECIAL_USE_DOMAIN_NAMES)
_NO_SPECIAL_USE_DOMAIN = rf"^(?!.*[.@](?:{_SPECIAL_USE})$).*$"


def _deliverable_email(schema: Schema) -> None:
    schema["pattern"] = _NO_SPECIAL_USE_DOMAIN
    schema["description"] = "An address whose domain is not special-use (`.test`, `.local`, ...)"


def _batch_ids(schema: Schema) -> None:
    part = rf"[^,\x00]{{0,{MAX_EXTERNAL_ID_LENGTH}}}"
    schema["pattern"] = rf"^{part}(?:,{part})*$"
    schema["description"] = (
        f"Comma-separated batch ids, each at most {MAX_EXTERNAL_ID_LENGTH} characters without NUL;"
        " blanks are skipped; at most the configured number of ids (internal_max_batch_ids)"
    )


def _consistent_decisions(schema: Schema) -> None:
    # Not expressible in JSON Schema: items with the same `essay_id` must carry the same decision.
    schema["description"] = "An essay may appear more than once only with the same decision"


def _a_name_part(schema: Schema) -> None:
    schema["anyOf"] = [
        {"properties": {"first_name": {"pattern": _NOT_BLANK}}},
        {"properties": {"last_name": {"pattern": _NOT_BLANK}}},
    ]


def _not_both_blank(schema: Schema) -> None:
    blank = {"type": "string", "pattern": r"^\s*$"}
    schema["not"] = {
        "required": ["first_name", "last_name"],
        "properties": {"first_name": blank, "last_name": blank},
    }


def _student_when_confirmed(schema: Schema) -> None:
    schema["if"] = {"properties": {"confirmed": {"const": True}}, "required": ["confirmed"]}
    schema["then"] = {
        "properties": {"student_id": {"type": "string", "format": "uuid"}},
        "required": ["student_id"],
    }


def _opaque_cursor(schema: Schema) -> None:
    schema["description"] = "Opaque: only a `next_cursor` from a previous page; not with `offset`"


_PROPERTY_RULES: dict[tuple[str, str], Callable[[Schema], None]] = {
    ("CreateClassRequest", "course_codes"): _one_course,
    ("UpdateClassRequest", "course_codes"): _one_course,
    ("CreateClassRequest", "name"): _stripped(_MAX_NAME, may_be_empty=False),
    ("UpdateClassRequest", "name"): _stripped(_MAX_NAME, may_be_empty=False),
    ("PersonNameModel", "first_name"): _stripped(_MAX_NAME, may_be_empty=True),
    ("PersonNameModel", "last_name"): _stripped(_MAX_NAME, may_be_empty=True),
    ("PersonNameModel", "legal_full_name"): _stripped(_MAX_LEGAL_NAME, may_be_empty=False),
    ("PersonNameUpdateModel", "first_name"): _stripped(_MAX_NAME, may_be_empty=True),
    ("PersonNameUpdateModel", "last_name"): _stripped(_MAX_NAME, may_be_empty=True),
    ("PersonNameUpdateModel", "legal_full_name"): _stripped(_MAX_LEGAL_NAME, may_be_empty=False),
    ("CreateStudentRequest", "email"): _deliverable_email,
    ("UpdateStudentRequest", "email"): _deliverable_email,
    ("CreateStudentRequest", "external_id"): _stripped(_MAX_NAME, may_be_empty=False),
    ("UpdateStudentRequest", "external_id"): _stripped(_MAX_NAME, may_be_empty=False),
    ("ConfirmRequest", "associations"): _consistent_decisions,
}
_OBJECT_RULES: dict[str, Callable[[Schema], None]] = {
    "PersonNameModel": _a_name_part,
    "PersonNameUpdateModel": _not_both_blank,
    "DecisionModel": _student_when_confirmed,
}
_QUERY_RULES: dict[str, Callable[[Schema], None]] = {"cursor": _opaque_cursor}
_QUERY_SCHEMA_RULES: dict[str, Callable[[Schema], None]] = {
    "q": _stripped(_MAX_SEARCH, may_be_empty=True),
    "batch_ids": _batch_ids,
}


def _value_schema(schema: Schema) -> Schema:
    """The non-null branch of an optional field's ``anyOf``."""
    for branch in schema.get("anyOf", ()):
        if branch.get("type") != "null":
            return branch  # type: ignore[no-any-return]
    return schema


def _tighten_object(schema: Schema) -> None:
    title = schema.get("title", "")
    for name, field in schema.get("properties", {}).items():
        rule = _PROPERTY_RULES.get((title, name))
        if rule is not None:
            rule(_value_schema(field))
    object_rule = _OBJECT_RULES.get(title)
    if object_rule is not None:
        object_rule(schema)


def tighten_request_schemas(document: Schema) -> None:
    """Applies the rules to request bodies, their components and the query parameters."""
    for schema in document["components"]["schemas"].values():
        _tighten_object(schema)
    for operations in document["paths"].values():
        for operation in operations.values():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None:
                _tighten_object(body["schema"])
            for parameter in operation.get("parameters", ()):
                rule = _QUERY_RULES.get(parameter["name"]) if parameter.get("in") == "query" else None
                if rule is not None:
                    rule(parameter)
                schema_rule = (
                    _QUERY_SCHEMA_RULES.get(parameter["name"]) if parameter.get("in") == "query" else None
                )
                if schema_rule is not None:
                    schema_rule(_value_schema(parameter["schema"]))
