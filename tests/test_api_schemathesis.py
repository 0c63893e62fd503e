"""The JSON API against its own OpenAPI description, with schemathesis.

The description is loaded from the app (no network), and for every operation hypothesis
generates valid requests (positive) and invalid ones (negative: wrong types, values out of
range, unknown enum values). Half of the valid requests get the slug and contribution
numbers of the data below, so that real answers are checked against the schemas and not
only 404s. Every response must: not be a server error, have a documented status code and
content type, and match the documented schema.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from participation.discussion.models import ProcessingStatus
from tests.test_opendata import world  # noqa: F401  (the fixture)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 12}


@pytest.fixture
def api_schema(app, world):  # noqa: F811
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def _real(case, world, ids):  # noqa: F811
    """Point the generated case at data that exists."""
    path = case.path_parameters or {}
    if "slug" in path:
        path["slug"] = world.slug
    if "id" in path:
        path["id"] = ids[abs(hash(str(case.query))) % len(ids)]
    if "number" in path:
        path["number"] = 1


@pytest.mark.parametrize("mode", list(EXAMPLES))
def test_api_conforms_to_its_openapi_description(app, api_schema, world, mode):  # noqa: F811
    ids = sorted(world.ids.values())
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 7
    called = {}

    def check(operation):
        @settings(
            max_examples=EXAMPLES[mode],
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode), real=st.booleans())
        def run(case, real):
            if real and mode is GenerationMode.POSITIVE:
                _real(case, world, ids)
            response = case.call_and_validate(checks=CHECKS)
            called.setdefault(operation.label, set()).add(response.status_code)

        run()

    for operation in operations:
        # Without parameters there is nothing to get wrong (and nothing to generate).
        if mode is GenerationMode.POSITIVE or list(operation.iter_parameters()):
            check(operation)
    if mode is GenerationMode.POSITIVE:
        # Every operation answered real data at least once.
        assert all(200 in statuses for statuses in called.values()), called


def test_the_description_is_derived_from_the_serializer_and_parameters(client):
    from participation.api.params import CONTRIBUTION_PARAMS
    from participation.opendata.contributions import FIELDS

    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    contribution = document["components"]["schemas"]["Contribution"]
    assert sorted(contribution["properties"]) == sorted(f.name for f in FIELDS)
    assert sorted(contribution["required"]) == sorted(f.name for f in FIELDS)
    listing = document["paths"]["/strategies/{slug}/contributions"]["get"]
    names = [p["name"] for p in listing["parameters"] if p["in"] == "query"]
    assert names == [p.name for p in CONTRIBUTION_PARAMS]
    status = next(p for p in listing["parameters"] if p["name"] == "status")
    assert status["schema"]["enum"] == [s.value for s in ProcessingStatus]
