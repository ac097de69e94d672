"""Student endpoints under /v1/classes/students: thin adapters from HTTP to ``StudentService``."""

from __future__ import annotations

from dishka import FromDishka
from quart import Blueprint, Response
from quart_dishka import inject
from quart_schema import document_response

from class_management_service.api import presenters
from class_management_service.api.association_schemas import DeleteQuery
from class_management_service.api.etags import conditional, if_match
from class_management_service.api.idempotency import idempotent, idempotent_write
from class_management_service.api.pagination import page_request
from class_management_service.api.presenters import json_reply
from class_management_service.api.request_context import current_actor, parse_uuid
from class_management_service.api.request_models import PersonNameModel, PersonNameUpdateModel
from class_management_service.api.schemas import (
    CreateStudentRequest,
    ErrorModel,
    MessageModel,
    StudentListModel,
    StudentListQuery,
    StudentModel,
    UpdateStudentRequest,
)
from class_management_service.api.validation import json_body, query_args
from class_management_service.domain.models import UNSET, StudentFilter
from class_management_service.domain.rules import NameChange, PersonName
from class_management_service.services.student_service import StudentService

student_bp = Blueprint("students", __name__, url_prefix="/v1/classes/students")


def _person_name(model: PersonNameModel) -> PersonName:
    return PersonName(model.first_name, model.last_name, model.legal_full_name)


def _name_change(model: PersonNameUpdateModel) -> NameChange:
    return NameChange(model.first_name, model.last_name, model.legal_full_name)


@student_bp.post("")
@conditional
@json_body(CreateStudentRequest)
@idempotent
@document_response(StudentModel, 201)
@document_response(ErrorModel, 409)
@inject
async def create_student(data: CreateStudentRequest, service: FromDishka[StudentService]) -> Response:
    key = idempotent_write(presenters.student_body, 201)
    created = await service.create_student(
        current_actor(),
        _person_name(data.person_name),
        data.email,
        data.class_ids or (),
        external_id=data.external_id,
        key=key,
    )
    return json_reply(presenters.student_body(created), 201)


@student_bp.get("")
@query_args(StudentListQuery)
@document_response(StudentListModel, 200)
@inject
async def list_students(query: StudentListQuery, service: FromDishka[StudentService]) -> Response:
    where = StudentFilter(class_id=query.class_id, query=query.q or None)
    page = await service.list_students(current_actor(), page_request(query), where)
    return json_reply(presenters.student_list_body(page), 200)


@student_bp.get("/<student_id>")
@conditional
@document_response(StudentModel, 200)
@document_response(ErrorModel, 404)
@inject
async def get_student(student_id: str, service: FromDishka[StudentService]) -> Response:
    found = await service.get_student(current_actor(), parse_uuid(student_id, "student_id"))
    return json_reply(presenters.student_body(found), 200)


@student_bp.put("/<student_id>")
@conditional
@json_body(UpdateStudentRequest)
@document_response(StudentModel, 200)
@document_response(ErrorModel, 404)
@inject
async def update_student(
    data: UpdateStudentRequest, student_id: str, service: FromDishka[StudentService]
) -> Response:
    updated = await service.update_student(
        current_actor(),
        parse_uuid(student_id, "student_id"),
        name=_name_change(data.person_name) if data.person_name else None,
        email=data.email if "email" in data.model_fields_set else UNSET,
        external_id=data.external_id if "external_id" in data.model_fields_set else UNSET,
        add_class_ids=data.add_class_ids or (),
        remove_class_ids=data.remove_class_ids or (),
        if_match=if_match(),
    )
    return json_reply(presenters.student_body(updated), 200)


@student_bp.delete("/<student_id>")
@conditional
@query_args(DeleteQuery)
@document_response(MessageModel, 200)
@document_response(ErrorModel, 404)
@document_response(ErrorModel, 409)
@inject
async def delete_student(
    query: DeleteQuery, student_id: str, service: FromDishka[StudentService]
) -> Response:
    """409 PENDING_VALIDATIONS while a pending essay lists the student, unless ``force=true``."""
    student_uuid = parse_uuid(student_id, "student_id")
    await service.delete_student(current_actor(), student_uuid, force=query.force, if_match=if_match())
    return json_reply({"message": "Student deleted successfully"})
