"""The OpenAPI document: generated without a warning, valid, complete, served and browsable."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema


@pytest.fixture(scope="module")
def generated() -> tuple[dict[str, Any], list[str]]:
    """The schema, and every warning and error drf-spectacular raised while building it."""
    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        schema = SchemaGenerator().get_schema(request=None, public=True)
    problems = [*GENERATOR_STATS._error_cache, *GENERATOR_STATS._warn_cache]
    GENERATOR_STATS.reset()
    return schema, problems


def test_the_schema_is_generated_without_a_warning_or_an_error(generated):
    _schema, problems = generated

    assert problems == [], "\n".join(problems)


def test_the_schema_is_valid_openapi(generated):
    schema, _problems = generated

    validate_schema(schema)


def api_routes(patterns: list[Any], prefix: str = "") -> list[str]:
    """Every routed path under /api/v1/, in OpenAPI's {name} spelling."""
    found: list[str] = []
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += api_routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and route.startswith("api/v1/"):
            found.append("/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route))
    return found


def test_every_api_endpoint_is_in_the_schema_except_the_schema_and_its_page(generated):
    schema, _problems = generated
    routes = set(api_routes(get_resolver().url_patterns))
    documented = {re.sub(r"\{\w+\}", "{}", p) for p in schema["paths"]}

    missing = {
        r
        for r in routes - {"/api/v1/schema/", "/api/v1/docs/"}
        if re.sub(r"\{\w+\}", "{}", r) not in documented
    }

    assert missing == set()


def test_the_token_sign_in_is_documented_as_needing_no_authentication(generated):
    schema, _problems = generated

    operation = schema["paths"]["/api/v1/auth/token/"]["post"]
    assert schema.get("security") is None
    assert operation.get("security", []) in ([], [{}])
    assert {"200", "400", "429"} <= set(operation["responses"])


@pytest.mark.django_db
def test_the_schema_is_served_at_its_address(generated):
    response = Client().get("/api/v1/schema/")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.oai.openapi")
    served = yaml.safe_load(response.content)
    assert served["info"]["title"] == "Merchant support portal API"
    assert set(served["paths"]) == set(generated[0]["paths"])


@pytest.mark.django_db
def test_the_schema_is_also_served_as_json():
    response = Client().get("/api/v1/schema/", {"format": "json"})

    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


@pytest.mark.django_db
def test_the_docs_page_renders_swagger_ui_pointing_at_the_schema():
    client = Client()
    page = client.get("/api/v1/docs/")

    assert page.status_code == 200
    assert '<div id="swagger-ui"></div>' in page.text
    assert "swagger-ui-bundle.js" in page.text
    script = client.get("/api/v1/docs/", {"script": ""})
    assert 'url: "/api/v1/schema/"' in script.text
