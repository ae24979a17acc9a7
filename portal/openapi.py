"""The OpenAPI document's shared parts: the error answers every endpoint can give.

API.md promises the same error shapes everywhere: 400 with `{"field": ["message"]}` or
`{"detail": "..."}`, 401/403 for authentication and roles, 404 for anything outside the
caller's organisation (or a page past the end), 429 when throttled. Rather than repeat them
on every view, this post-processing hook adds the ones a view does not declare itself.
"""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "description": "`detail` for a message about the whole request, or one list of "
    "messages per field at fault (for a list or nested input: messages per item or key).",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": {
        "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "object"}]
    },
}

ERRORS = {
    "400": "The input is invalid; the body says what is wrong with which field.",
    "401": "Not signed in: send `Authorization: Token <key>` or a session.",
    "403": "Signed in, but this role may not do this.",
    "404": "No such object, or it belongs to another organisation; or a page past the end.",
    "429": "Too many requests; wait and try again.",
}


def add_error_responses(result: dict[str, Any], **_: Any) -> dict[str, Any]:
    """drf-spectacular POSTPROCESSING_HOOKS entry: declare the shared error answers."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("Error", ERROR_SCHEMA)
    reference = {"$ref": "#/components/schemas/Error"}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code, description in ERRORS.items():
                operation["responses"].setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": reference}},
                    },
                )
    return result
