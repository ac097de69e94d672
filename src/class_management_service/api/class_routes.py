"""Class endpoints under /v1/classes: thin adapters from HTTP to ``ClassService``."""

from __future__ import annotations

import structlog
from dishka import FromDishka
from quart import Blueprint, Response, current_app, request
from quart_dishka import inject
from quart_schema import document_response

from class_management_service.api import presenters
from class_management_service.api.association_schemas import DeleteQuery
from class_management_service.api.errors import AuthenticationError
from class_management_service.api.etags import conditional, if_match
from class_management_service.api.idempotency import idempotent, idempotent_write
from class_management_service.api.pagination import page_request
from class_management_service.api.presenters import json_reply
from class_management_service.api.request_context import (
    current_actor,
    is_internal_service,
    optional_user_id,
    parse_uuid,
)
from class_management_service.api.schemas import (
    ClassListModel,
    ClassModel,
    CreateClassRequest,
    ErrorModel,
    ListQuery,
    MessageModel,
    RosterModel,
    UpdateClassRequest,
)
from class_management_service.api.validation import json_body, query_args
from class_management_service.services.class_service import ClassService

class_bp = Blueprint("classes", __name__, url_prefix="/v1/classes")


@class_bp.post("/")
@conditional
@json_body(CreateClassRequest)
@idempotent
@document_response(ClassModel, 201)
@document_response(ErrorModel, 400)
@inject
async def create_class(data: CreateClassRequest, service: FromDishka[ClassService]) -> Response:
    key = idempotent_write(presenters.class_body, 201)
    created = await service.create_class(current_actor(), data.name, data.course_codes, key=key)
    return json_reply(presenters.class_body(created), 201)


@class_bp.get("/")
@query_args(ListQuery)
@document_response(ClassListModel, 200)
@inject
async def list_classes(query: ListQuery, service: FromDishka[ClassService]) -> Response:
    page = await service.list_classes(current_actor(), page_request(query))
    return json_reply(presenters.class_list_body(page), 200)


@class_bp.get("/<class_id:class_id>")
@conditional
@document_response(ClassModel, 200)
@document_response(ErrorModel, 404)
@inject
async def get_class(class_id: str, service: FromDishka[ClassService]) -> Response:
    found = await service.get_class(current_actor(), parse_uuid(class_id, "class_id"))
    return json_reply(presenters.class_body(found), 200)


@class_bp.put("/<class_id:class_id>")
@conditional
@json_body(UpdateClassRequest)
@document_response(ClassModel, 200)
@document_response(ErrorModel, 404)
@inject
async def update_class(
    data: UpdateClassRequest, class_id: str, service: FromDishka[ClassService]
) -> Response:
    actor = current_actor()
    updated = await service.update_class(
        actor, parse_uuid(class_id, "class_id"), data.name, data.course_codes, if_match=if_match()
    )
    return json_reply(presenters.class_body(updated), 200)


@class_bp.delete("/<class_id:class_id>")
@conditional
@query_args(DeleteQuery)
@document_response(MessageModel, 200)
@document_response(ErrorModel, 404)
@document_response(ErrorModel, 409)
@inject
async def delete_class(query: DeleteQuery, class_id: str, service: FromDishka[ClassService]) -> Response:
    """409 PENDING_VALIDATIONS while essays of the class await a decision, unless ``force=true``."""
    class_uuid = parse_uuid(class_id, "class_id")
    await service.delete_class(current_actor(), class_uuid, force=query.force, if_match=if_match())
    return json_reply({"message": "Class deleted successfully"})


@class_bp.get("/<class_id:class_id>/roster")
@document_response(RosterModel, 200)
@document_response(ErrorModel, 401)
@inject
async def get_roster(class_id: str, service: FromDishka[ClassService]) -> Response:
    """For the owning teacher, or an internal service presenting ``X-Internal-API-Key``.

    With ``roster_without_user_id_is_internal`` on, a request with neither is internal too (NLP's).
    """
    is_internal = is_internal_service()
    owner = None if is_internal else optional_user_id()
    if owner is None and not is_internal:
        if not current_app.config["ROSTER_WITHOUT_USER_ID_IS_INTERNAL"]:
            raise AuthenticationError("Send X-User-ID, or X-Internal-API-Key with X-Service-ID")
        # Trusted only because the gateway sets X-User-ID on all outside traffic; the address
        # shows who used that trust. A logger per call (a rare line): a module-level one keeps
        # the logging configuration of its first use, which tests cannot capture afterwards.
        structlog.get_logger(__name__).info("roster_served_without_identity", caller=request.remote_addr)
    roster = await service.roster(parse_uuid(class_id, "class_id"), owner)
    return json_reply(presenters.roster_body(roster), 200)
