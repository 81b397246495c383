"""Liveness and readiness (not behind the API key)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

from ..schemas import ErrorResponse, HealthResponse, ReadyResponse

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthResponse)
def healthz() -> HealthResponse:
    return HealthResponse()


@router.get("/readyz", response_model=ReadyResponse,
            responses={503: {"model": ErrorResponse, "description": "the detector is not loaded yet"}})
def readyz(request: Request) -> ReadyResponse:
    det = getattr(request.app.state, "detector", None)
    if det is None:
        raise HTTPException(503, "the detector is not loaded yet")
    return ReadyResponse(detector_version=det.version)
