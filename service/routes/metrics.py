"""GET /metrics in the Prometheus text format (counts and latencies only, never text)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from ..deps import MetricsDep

router = APIRouter(tags=["metrics"])


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}},
                             "description": "Prometheus exposition format"}})
def get_metrics(metrics: MetricsDep) -> Response:
    payload, content_type = metrics.render()
    return Response(payload, media_type=content_type)
