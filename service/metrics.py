"""Prometheus metrics: requests, latency, decisions by label. Labels are route templates, never text.

With several workers, set PROMETHEUS_MULTIPROC_DIR (`outreach-guard serve --workers N` does) so /metrics
aggregates all workers; otherwise each worker reports its own counts.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

disable_created_metrics()  # the *_created series only add noise to scrapes

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """One registry per app instance, so several apps (tests) never collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "outreach_guard_requests", "HTTP requests", ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram(
            "outreach_guard_request_duration_seconds", "Request latency", ["method", "route"],
            buckets=LATENCY_BUCKETS, registry=self.registry)
        self.decisions = Counter(
            "outreach_guard_decisions", "Verdicts by overall decision", ["endpoint", "decision"],
            registry=self.registry)
        self.labels = Counter(
            "outreach_guard_labels", "Labels found, by label and decision", ["label", "decision"],
            registry=self.registry)
        self.messages = Counter(
            "outreach_guard_messages_checked", "Messages scored", ["endpoint"], registry=self.registry)

    def render(self) -> tuple[bytes, str]:
        mp_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if mp_dir:
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry, path=mp_dir)
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST

    def observe_verdicts(self, endpoint: str, verdicts: list) -> None:
        self.messages.labels(endpoint).inc(len(verdicts))
        for v in verdicts:
            self.decisions.labels(endpoint, v.decision).inc()
            for lr in v.labels:
                self.labels.labels(lr.label, lr.decision).inc()
