"""The OpenAPI description (docs/api/openapi.yaml, `make api-schema`) and the documentation
page under the Content-Security-Policy (api/docs.py)."""

import re
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "api" / "openapi.yaml"


def test_the_committed_description_is_the_codes(tmp_path):
    """Fails when an endpoint changed and the description was not regenerated."""
    generated = tmp_path / "openapi.yaml"
    with translation.override("en"):
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(generated))
    assert generated.read_text() == COMMITTED.read_text(), (
        "docs/api/openapi.yaml differs from the code's API: run `make api-schema` and commit it."
    )


def test_the_description_says_how_to_authenticate():
    schema = yaml.safe_load(COMMITTED.read_text())
    schemes = schema["components"]["securitySchemes"]
    flow = schemes["oauth2"]["flows"]["clientCredentials"]
    assert flow["tokenUrl"] == "/api/v1/oauth/token/"
    assert {"cases:read", "cases:write", "people:read"} <= set(flow["scopes"])
    assert schemes["personalToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["personalToken"]["description"],
    }
    assert schema["paths"]["/api/v1/me/"]["get"]["security"] == [
        {"oauth2": []},
        {"personalToken": []},
    ]


@pytest.mark.urls("tests.api.urls_for_tests")
def test_an_operation_names_the_scope_it_needs():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    probe = schema["paths"]["/api/v1/probe/cases/"]
    assert probe["get"]["security"] == [{"oauth2": ["cases:read"]}, {"personalToken": []}]
    assert probe["post"]["security"] == [{"oauth2": ["cases:write"]}, {"personalToken": []}]


@pytest.mark.django_db
def test_the_schema_and_the_docs_page_need_no_token(client):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200 and b"securitySchemes" in schema.content
    assert client.get("/api/v1/docs/").status_code == 200


@pytest.mark.django_db
def test_the_docs_page_has_no_inline_script_or_style_and_nothing_from_a_cdn(client):
    response = client.get("/api/v1/docs/")
    page = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert scripts and all('src="' in attrs and not body.strip() for attrs, body in scripts)
    assert "<style" not in page and "style=" not in page
    assert "http://" not in page and "https://" not in page
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "img-src 'self' data:" in policy  # Swagger UI's icons, this page only
    assert "data:" not in client.get("/accounts/login/")["Content-Security-Policy"]

    start = re.search(r'<script src="([^"]*\?[^"]*script[^"]*)"', page)[1].replace("&amp;", "&")
    script = client.get(start)
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content and b"/api/v1/schema/" in script.content


@pytest.mark.django_db
def test_the_schema_is_served_as_json_too(client):
    response = client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    assert "securitySchemes" in response.json()["components"]
