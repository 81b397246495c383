"""Typed dependencies (`Annotated[..., Depends(...)]`): settings, the loaded detector, the API-key check."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader

from detector import Detector

from .auth import key_is_valid
from .metrics import Metrics
from .settings import Settings

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False,
                              description="required when OUTREACH_GUARD_API_KEYS is set")


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def get_detector(request: Request) -> Detector:
    det = getattr(request.app.state, "detector", None)
    if det is None:
        raise HTTPException(503, "the detector is not loaded yet")
    return det


DetectorDep = Annotated[Detector, Depends(get_detector)]


def get_metrics(request: Request) -> Metrics:
    return request.app.state.metrics


MetricsDep = Annotated[Metrics, Depends(get_metrics)]


def require_api_key(settings: SettingsDep, api_key: Annotated[str | None, Security(api_key_header)]) -> None:
    if settings.auth_enabled and not key_is_valid(api_key, settings.api_keys):
        raise HTTPException(401, "missing or invalid X-API-Key header",
                            headers={"WWW-Authenticate": "ApiKey"})


ApiKeyDep = Depends(require_api_key)
