"""The HTTP contract: request and response models, also the source of the OpenAPI document."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, EmailStr, Field, StringConstraints, model_validator

from class_management_service.api.request_models import (
    NO_NUL,
    BodyModel,
    ExternalId,
    Name,
    PersonNameModel,
    PersonNameUpdateModel,
    RequestModel,
)

CourseCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_]{1,32}$")]
CourseCodes = Annotated[list[CourseCode], Field(min_length=1, max_length=10)]
Email = Annotated[EmailStr, StringConstraints(max_length=255)]
ClassIds = Annotated[list[UUID], Field(max_length=100)]


class CreateClassRequest(BodyModel):
    """Body of POST /v1/classes/: exactly one course code."""

    name: Name
    course_codes: CourseCodes


class UpdateClassRequest(BodyModel):
    """Body of PUT /v1/classes/<id>: any subset of the fields."""

    name: Name | None = None
    course_codes: CourseCodes | None = None


class CreateStudentRequest(BodyModel):
    """Body of POST /v1/classes/students."""

    person_name: PersonNameModel
    email: Email | None = None
    external_id: ExternalId | None = None
    class_ids: ClassIds | None = None


class UpdateStudentRequest(BodyModel):
    """Body of PUT /v1/classes/students/<id>: omitted fields keep their value; ``email: null`` and
    ``external_id: null`` clear them."""

    person_name: PersonNameUpdateModel | None = None
    email: Email | None = None
    external_id: ExternalId | None = None
    add_class_ids: ClassIds | None = None
    remove_class_ids: ClassIds | None = None

    @model_validator(mode="after")
    def _no_id_both_added_and_removed(self) -> UpdateStudentRequest:
        both = set(self.add_class_ids or ()) & set(self.remove_class_ids or ())
        if both:
            raise ValueError(f"class ids both added and removed: {', '.join(sorted(map(str, both)))}")
        return self


class ListQuery(RequestModel):
    """Pagination: ``offset`` or an opaque ``cursor`` from the previous page, never both."""

    limit: int = Field(default=20, ge=1, le=100)
    offset: int = Field(default=0, ge=0, le=1_000_000)
    cursor: Annotated[str, StringConstraints(max_length=200)] | None = None

    @model_validator(mode="after")
    def _offset_or_cursor(self) -> ListQuery:
        if self.cursor and self.offset:  # an empty cursor is no cursor, as in page_request
            raise ValueError("use either offset or cursor, not both")
        return self


class StudentListQuery(ListQuery):
    """Student listing: pagination plus an optional class filter and name/email search."""

    class_id: UUID | None = None
    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100, pattern=NO_NUL)] | None = None


class CourseModel(BaseModel):
    """The course a class is bound to."""

    code: str
    name: str
    language: str


class ClassModel(BaseModel):
    """A class, as every endpoint returns it."""

    id: UUID
    name: str
    course_code: str
    course: CourseModel
    student_count: int
    created_by_user_id: str
    created_at: datetime
    updated_at: datetime


class StudentModel(BaseModel):
    """A student, as every endpoint returns it."""

    id: UUID
    first_name: str
    last_name: str
    legal_full_name: str
    full_name: str
    email: str | None
    external_id: str | None = Field(description="The school information system's id; unique per teacher")
    class_ids: list[UUID]
    created_by_user_id: str
    created_at: datetime
    updated_at: datetime


class PaginationModel(BaseModel):
    """Where a page sits in the whole list."""

    limit: int
    offset: int
    returned: int
    total: int
    next_cursor: str | None


class ClassListModel(BaseModel):
    """A page of the caller's classes."""

    classes: list[ClassModel]
    pagination: PaginationModel


class StudentListModel(BaseModel):
    """A page of the caller's students."""

    students: list[StudentModel]
    pagination: PaginationModel


class RosterStudentModel(BaseModel):
    """One roster line: the student resource's names, and the names the NLP matcher reads."""

    id: UUID
    student_id: UUID = Field(description="The same as `id`; kept for the NLP matcher")
    first_name: str
    last_name: str
    legal_full_name: str
    full_legal_name: str = Field(description="The same as `legal_full_name`; kept for the NLP matcher")
    email: str | None


class RosterModel(BaseModel):
    """A class's students by last name, first name, then id, in Unicode collation (the UCA's default order):
    case and accents do not separate names, as in Aaron, Åberg, Adams, berg, Berg, Öst, Zulu."""

    students: list[RosterStudentModel]


class MessageModel(BaseModel):
    """A plain confirmation, e.g. after a delete."""

    message: str


class ErrorBody(BaseModel):
    """What went wrong; never a stack trace or SQL."""

    code: str
    message: str
    correlation_id: str
    service: str
    timestamp: datetime
    details: dict[str, Any]


class ErrorModel(BaseModel):
    """The one error envelope every 4xx and 5xx uses."""

    error: ErrorBody
