"""The documents the service serves about itself: OpenAPI, the offline Swagger UI, AsyncAPI."""

from __future__ import annotations

from class_management_service.api.openapi_operations import STATUS_DESCRIPTIONS
from class_management_service.domain.association_events import SUGGESTIONS_TOPIC
from class_management_service.domain.events import ALL_TOPICS
from tests.api.conftest import Api

ERROR_REF = {"$ref": "#/components/schemas/ErrorModel"}


async def test_every_operation_has_a_summary_a_tag_and_documents_its_errors_with_the_envelope(
    api: Api,
) -> None:
    document = await (await api.client.get("/openapi.json")).get_json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            label = f"{method.upper()} {path}"
            assert operation.get("summary"), label
            assert operation.get("tags"), label
            for status, response in operation["responses"].items():
                if status.isdigit() and int(status) >= 400 and path.startswith(("/v1/", "/internal/")):
                    assert int(status) in STATUS_DESCRIPTIONS, label
                    assert response["content"]["application/json"]["schema"] == ERROR_REF, label
            if path.startswith("/v1/"):
                assert {"400", "401", "503"} <= set(operation["responses"]), label
            if "requestBody" in operation:
                assert operation["requestBody"]["required"] is True, label
                assert {"413", "415"} <= set(operation["responses"]), label
    course_codes = document["paths"]["/v1/classes/"]["post"]["requestBody"]["content"]["application/json"][
        "schema"
    ]["properties"]["course_codes"]
    assert (course_codes["minItems"], course_codes["maxItems"]) == (1, 1)
    assert "/docs/assets/{name}" not in document["paths"]


async def test_docs_page_and_its_assets_are_served_from_the_service_without_identity(api: Api) -> None:
    page = await (await api.client.get("/docs")).get_data(as_text=True)
    assert "/docs/assets/swagger-ui-bundle.js" in page
    assert "https://" not in page  # nothing from a CDN
    for name, kind in (("swagger-ui-bundle.js", "javascript"), ("swagger-ui.css", "css")):
        response = await api.client.get(f"/docs/assets/{name}")
        assert response.status_code == 200
        assert kind in response.headers["Content-Type"]
    missing = await api.client.get("/docs/assets/index.html")
    assert missing.status_code == 404
    assert (await missing.get_json())["error"]["code"] == "RESOURCE_NOT_FOUND"


async def test_asyncapi_document_lists_every_topic_with_its_direction_and_needs_no_identity(api: Api) -> None:
    response = await api.client.get("/asyncapi.json")
    assert response.status_code == 200
    document = await response.get_json()
    assert document["asyncapi"].startswith("3.")
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == {*ALL_TOPICS, SUGGESTIONS_TOPIC}
    actions = {
        document["channels"][op["channel"]["$ref"].rsplit("/", 1)[-1]]["address"]: op["action"]
        for op in document["operations"].values()
    }
    assert actions == {**dict.fromkeys(ALL_TOPICS, "send"), SUGGESTIONS_TOPIC: "receive"}
    for message in document["components"]["messages"].values():
        assert message["payload"]["allOf"][1]["properties"]["data"]["$ref"].startswith(
            "#/components/schemas/"
        )
