"""OpenAPI post-processing: the schema says what the API really answers.

`drf-spectacular` documents the success response of each operation. Every operation can also
answer with the project's JSON error body (`core.api.exceptions`): 400 (invalid input,
including a NUL character in the URL, `core.middleware`), 401 (no or a bad token: the
`Authorization` header is read on every operation), 403, 404 (an unknown id, a page past the
last), 429 (a rate limit) — and operations that take a body also 415 (a body that is not JSON).
This hook adds those responses (`ApiError` component), and declares on every string query
parameter the one thing the server refuses of any string: a NUL character.
"""

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error: a message, a machine-readable code, and per-field (or per-item) messages "
                   "when the input was invalid.",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "field": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": True},
    },
    "required": ["detail", "code"],
    "additionalProperties": True,
}

ERRORS = {
    "400": "Invalid input: `errors` names each bad field (or batch item) with its messages.",
    "401": "No credentials, or an unknown or inactive token (`WWW-Authenticate: Token`).",
    "403": "Authenticated, but not allowed (e.g. staff-only, another viewer's data, CSRF on a session POST).",
    "404": "No such object (an unknown id), or a page past the last one.",
    "429": "Rate limit exceeded; `Retry-After` says when to try again.",
}
BODY_ERRORS = {"415": "The body is not JSON (`Content-Type: application/json`)."}
NO_NUL = "^[^\\u0000]*$"


def _error(description):
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["ApiError"] = ERROR_SCHEMA
    for item in result.get("paths", {}).values():
        for op in item.values():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            codes = dict(ERRORS)
            if "requestBody" in op:
                codes.update(BODY_ERRORS)
            for code, description in codes.items():
                op["responses"].setdefault(code, _error(description))
            for param in op.get("parameters", []):
                schema = param.get("schema") or {}
                if param.get("in") == "query" and schema.get("type") == "string" and "pattern" not in schema \
                        and "enum" not in schema and "format" not in schema:
                    schema["pattern"] = NO_NUL
    return result
