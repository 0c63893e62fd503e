"""The read-only JSON API under /api/v1: strategies, versions, sections, contributions and
status trails, described in OpenAPI at /api/v1/openapi.json (see openapi.py).

Contributions come from the same serializer as the open-data downloads
(participation.opendata.contributions), so the API shows exactly what the downloads show and
anonymises the same way. Errors are `application/problem+json` (RFC 9457).
"""
