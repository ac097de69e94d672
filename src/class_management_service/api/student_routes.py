"""Student endpoints under /v1/classes/students: thin adapters from HTTP to ``StudentService``."""

from __future__ import annotations

from dishka import FromDishka
from quart import Blueprint
from quart_dishka import inject
from quart_schema import document_response, validate_querystring, validate_request

from class_management_service.api import presenters
from class_management_service.api.pagination import page_request
from class_management_service.api.request_context import current_actor, parse_uuid
from class_management_service.api.schemas import (
    CreateStudentRequest,
    ErrorModel,
    MessageModel,
    PersonNameModel,
    StudentListModel,
    StudentListQuery,
    StudentModel,
    UpdateStudentRequest,
)
from class_management_service.domain.models import UNSET, StudentFilter
from class_management_service.services.student_service import PersonName, StudentService

student_bp = Blueprint("students", __name__, url_prefix="/v1/classes/students")
Reply = tuple[dict[str, object], int]


def _person_name(model: PersonNameModel) -> PersonName:
    return PersonName(model.first_name, model.last_name, model.legal_full_name)


@student_bp.post("")
@validate_request(CreateStudentRequest)
@document_response(StudentModel, 201)
@document_response(ErrorModel, 409)
@inject
async def create_student(data: CreateStudentRequest, service: FromDishka[StudentService]) -> Reply:
    created = await service.create_student(
        current_actor(), _person_name(data.person_name), data.email, data.class_ids or ()
    )
    return presenters.student_body(created), 201


@student_bp.get("")
@validate_querystring(StudentListQuery)
@document_response(StudentListModel, 200)
@inject
async def list_students(query_args: StudentListQuery, service: FromDishka[StudentService]) -> Reply:
    where = StudentFilter(class_id=query_args.class_id, query=query_args.q or None)
    page = await service.list_students(current_actor(), page_request(query_args), where)
    return presenters.student_list_body(page), 200


@student_bp.get("/<student_id>")
@document_response(StudentModel, 200)
@document_response(ErrorModel, 404)
@inject
async def get_student(student_id: str, service: FromDishka[StudentService]) -> Reply:
    found = await service.get_student(current_actor(), parse_uuid(student_id, "student_id"))
    return presenters.student_body(found), 200


@student_bp.put("/<student_id>")
@validate_request(UpdateStudentRequest)
@document_response(StudentModel, 200)
@document_response(ErrorModel, 404)
@inject
async def update_student(
    student_id: str, data: UpdateStudentRequest, service: FromDishka[StudentService]
) -> Reply:
    updated = await service.update_student(
        current_actor(),
        parse_uuid(student_id, "student_id"),
        name=_person_name(data.person_name) if data.person_name else None,
        email=data.email if "email" in data.model_fields_set else UNSET,
        add_class_ids=data.add_class_ids or (),
        remove_class_ids=data.remove_class_ids or (),
    )
    return presenters.student_body(updated), 200


@student_bp.delete("/<student_id>")
@document_response(MessageModel, 200)
@document_response(ErrorModel, 404)
@inject
async def delete_student(student_id: str, service: FromDishka[StudentService]) -> Reply:
    await service.delete_student(current_actor(), parse_uuid(student_id, "student_id"))
    return {"message": "Student deleted successfully"}, 200
