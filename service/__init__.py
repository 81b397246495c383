"""The outreach-guard HTTP service (FastAPI). Optional extra: `pip install outreach-guard[service]`."""

from .main import create_app

__all__ = ["create_app"]
