"""The OpenAPI document is valid OpenAPI 3, lists every path, and the interactive docs render."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db

PATHS = {
    "/api/me": {"get"},
    "/api/tickets": {"get", "post"},
    "/api/tickets/batch": {"post"},
    "/api/tickets/{reference}": {"get", "patch"},
    "/api/tickets/{reference}/sla": {"get"},
    "/api/kb/articles": {"get"},
    "/api/kb/articles/{slug}": {"get"},
    "/api/kb/search": {"get"},
    "/api/search": {"get"},
    "/api/tickets/{reference}/transition": {"post"},
    "/api/tickets/{reference}/resolve": {"post"},
    "/api/tickets/{reference}/reopen": {"post"},
    "/api/tickets/{reference}/close": {"post"},
    "/api/tickets/{reference}/take": {"post"},
    "/api/tickets/{reference}/escalate": {"post"},
    "/api/tickets/{reference}/hand-back": {"post"},
    "/api/tickets/{reference}/followups": {"get", "post"},
    "/api/tickets/{reference}/attachments": {"post"},
    "/api/tickets/{reference}/attachments/{attachment_id}": {"get"},
    "/api/tickets/{reference}/links": {"post"},
    "/api/tickets/{reference}/merge": {"post"},
    "/api/organisations": {"get", "post"},
    "/api/organisations/{organisation_id}": {"get", "patch"},
    "/api/contracts": {"get"},
    "/api/categories": {"get", "post"},
    "/api/categories/{category_id}": {"patch"},
    "/api/teams": {"get", "post"},
    "/api/teams/{team_id}": {"patch"},
    "/api/calendars": {"get", "post"},
    "/api/calendars/{calendar_id}": {"patch"},
    "/api/sla-policies": {"get", "post"},
    "/api/sla-policies/{policy_id}": {"patch"},
    "/api/webhooks": {"get", "post"},
    "/api/webhooks/{webhook_id}": {"patch"},
    "/api/webhooks/{webhook_id}/deliveries": {"get"},
    "/api/webhooks/{webhook_id}/deliveries/{delivery_id}/replay": {"post"},
    "/api/webhooks/{webhook_id}/test": {"post"},
    "/api/tickets/{reference}/time-entries": {"get", "post"},
    "/api/time-entries/{entry_id}": {"patch", "delete"},
    "/api/organisations/{organisation_id}/time-entries": {"get"},
    "/api/organisations/{organisation_id}/consumption": {"get"},
    "/api/oncall/now": {"get"},
    "/api/oncall/pagings": {"get"},
    "/api/oncall/pagings/{paging_id}/acknowledge": {"post"},
    "/api/reports/dashboard": {"get"},
    "/api/reports/figures": {"get"},
    "/api/reports/monthly": {"get"},
    "/api/reports/monthly/{report_id}/pdf": {"get"},
    "/api/assets": {"get", "post"},
    "/api/assets/{asset_id}": {"get", "patch"},
    "/api/assets/{asset_id}/software": {"get"},
    "/api/assets/{asset_id}/status": {"post"},
    "/api/software": {"get"},
    "/api/licences": {"get", "post"},
    "/api/licences/compliance": {"get"},
    "/api/tickets/{reference}/assets": {"get", "post"},
    "/api/inventory-tokens": {"get", "post"},
    "/api/maintenance/occurrences": {"get"},
    "/api/maintenance/occurrences/{occurrence_id}/checklist": {"post"},
}


@pytest.fixture
def schema(client):
    response = client.get("/api/schema")  # no token needed
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def test_the_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Escalade API"

    validate(schema)


def test_the_schema_lists_every_path_and_method(schema):
    assert {path: set(methods) for path, methods in schema["paths"].items()} == PATHS


def test_every_operation_is_bearer_authenticated_and_documents_its_errors(schema):
    operations = [operation for methods in schema["paths"].values() for operation in methods.values()]
    assert schema["components"]["securitySchemes"]["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert len({operation["operationId"] for operation in operations}) == len(operations)
    for operation in operations:
        assert operation["security"] == [{"TokenAuth": []}]
        for status in ("401", "403", "404", "422"):
            assert operation["responses"][status]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorOut"
            }


def test_the_webhook_payloads_are_documented(schema):
    webhooks = schema["webhooks"]
    assert {"ticket.created", "ticket.sla_breached", "webhook.test"} <= set(webhooks)
    created = webhooks["ticket.created"]["post"]
    body = created["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/WebhookEnvelope"}
    headers = {parameter["name"] for parameter in created["parameters"]}
    assert headers == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    envelope = schema["components"]["schemas"]["WebhookEnvelope"]
    assert set(envelope["properties"]) == {"type", "timestamp", "version", "data"}
    assert "TicketData" in schema["components"]["schemas"]


def test_the_attachment_upload_is_multipart(schema):
    body = schema["paths"]["/api/tickets/{reference}/attachments"]["post"]["requestBody"]
    assert list(body["content"]) == ["multipart/form-data"]


def test_the_interactive_docs_render(client):
    response = client.get("/api/docs")

    assert response.status_code == 200
    assert b"/api/schema" in response.content
    assert b"swagger" in response.content.lower()
