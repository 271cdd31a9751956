"""The REST API: one NinjaAPI, token-authenticated, mounted at ``/api/`` (OpenAPI at ``/api/schema``,
interactive docs at ``/api/docs``)."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.operation import Operation

from escalade.api import conversation, directory, errors, sla, tickets
from escalade.api.auth import TokenAuth
from escalade.api.schemas.common import ErrorOut
from escalade.assets import api as assets_api
from escalade.kb import api as kb_api
from escalade.maintenance import api as maintenance_api
from escalade.oncall import api as oncall_api
from escalade.reports import api as reports_api
from escalade.timetracking import api as timetracking_api
from escalade.webhooks import api as webhooks_api
from escalade.webhooks.payloads import openapi_webhooks

# The errors every operation may answer (the handlers in ``errors`` produce them).
ERROR_RESPONSES = {
    "400": "The request could not be read.",
    "401": "No token, or a revoked or unknown one.",
    "403": "You see this object but may not do this.",
    "404": "No such object, or not visible to you.",
    "409": "The object's state forbids this now.",
    "413": "The body is larger than ESCALADE_API_BODY_MAX_KB (or a file than ESCALADE_ATTACHMENT_MAX_MB).",
    "422": "The input breaks a rule; `field` names it.",
}


class EscaladeAPI(NinjaAPI):
    """NinjaAPI with operation ids named after the view functions and the error shape documented."""

    def get_openapi_operation_id(self, operation: Operation) -> str:
        return operation.view_func.__name__

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        error_schema = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(error_schema.pop("$defs", {}))
        components["ErrorOut"] = error_schema
        content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        for methods in schema.get("paths", {}).values():
            for operation in methods.values():
                responses = operation.setdefault("responses", {})
                for status, description in ERROR_RESPONSES.items():
                    responses.setdefault(status, {"description": description, "content": content})
        webhooks, webhook_schemas = openapi_webhooks()  # what Escalade POSTs to subscribers (OpenAPI 3.1)
        schema["webhooks"] = webhooks
        components.update(webhook_schemas)
        return schema


api = EscaladeAPI(
    title="Escalade API",
    version="1",
    description=(
        "The Escalade service desk. Authenticate with `Authorization: Bearer <key>` "
        "(issue a key with `escalade manage api_token_create <email> <name>`). Errors are JSON: "
        '`{"code": …, "message": …, "field": …}`.'
    ),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/schema",
    auth=TokenAuth(),
)
errors.install(api)
api.add_router("", tickets.router)
api.add_router("", conversation.router)
api.add_router("", directory.router)
api.add_router("", sla.router)
api.add_router("", kb_api.router)
api.add_router("", webhooks_api.router)
api.add_router("", timetracking_api.router)
api.add_router("", oncall_api.router)
api.add_router("", assets_api.router)
api.add_router("", maintenance_api.router)
api.add_router("", reports_api.router)
