"""Property-based API tests: schemathesis generates requests from the app's own OpenAPI spec.

Bounded (few examples per operation) so the file runs in well under two minutes. Checks: no 5xx, status codes
documented, content types and bodies matching the schema. Positive and negative (invalid) inputs both run.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from detector import Detector
from service.main import create_app
from service.settings import Settings

CHECKS = [schemathesis.checks.not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]

# Small limits so generated inputs can also reach the 413 paths.
APP = create_app(Settings(max_text_chars=300, max_batch=5), detector=Detector.load())
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


def test_spec_documents_every_endpoint_and_error() -> None:
    spec = APP.openapi()
    paths = spec["paths"]
    for path in ("/v1/messages/check", "/v1/messages/check-batch", "/v1/campaigns/check", "/healthz",
                 "/readyz", "/v1/model", "/v1/rules", "/metrics"):
        assert path in paths, path
    for path in ("/v1/messages/check", "/v1/messages/check-batch", "/v1/campaigns/check"):
        post = paths[path]["post"]
        assert {"200", "401", "413", "415", "422"} <= set(post["responses"]), path
        body = post["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
        assert spec["components"]["schemas"][body].get("examples"), f"{path} has no example"
    assert "APIKeyHeader" in spec["components"]["securitySchemes"]


@schema.parametrize()
@settings(max_examples=30, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    response = case.call_and_validate(checks=CHECKS)
    assert response.status_code < 500


@pytest.mark.parametrize("path", ["/v1/messages/check", "/v1/messages/check-batch", "/v1/campaigns/check"])
def test_wrong_content_type_is_documented_415(path: str) -> None:
    from fastapi.testclient import TestClient

    with TestClient(APP) as c:
        r = c.post(path, content=b"text=hi", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415
    assert "415" in APP.openapi()["paths"][path]["post"]["responses"]
