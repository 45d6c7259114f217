"""Operators' numbers in the Prometheus text format (`/metrics`): requests and latency by route, frames
served, participation events accepted (this process), and from the store (every replica): events
counted and kit jobs by state.

`MetricsMiddleware` is plain ASGI: it times each request and labels it with the route's template
(`/t/{slug}`, never the address itself), so no agency, name or query ends up in a label.
"""

from __future__ import annotations

import bisect
import threading
import time

# Latency buckets in seconds: pages and events in milliseconds, frames and kits up to seconds.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self):
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, str], int] = {}  # (method, route, status) -> count
        self.latency: dict[str, list] = {}  # route -> [bucket counts..., sum, count]
        self.frames_served = 0
        self.events_accepted = 0

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            key = (method, route, str(status))
            self.requests[key] = self.requests.get(key, 0) + 1
            row = self.latency.get(route)
            if row is None:
                row = self.latency[route] = [0] * (len(BUCKETS) + 3)  # buckets, +Inf, sum, count
            row[bisect.bisect_left(BUCKETS, seconds)] += 1
            row[-2] += seconds
            row[-1] += 1
            if route.startswith("/frames/") and status in (200, 304):
                self.frames_served += 1

    def event_accepted(self) -> None:
        with self._lock:
            self.events_accepted += 1

    def render(self, store=None) -> str:
        lines = ["# HELP netral_http_requests_total HTTP requests answered, by route template and status.",
                 "# TYPE netral_http_requests_total counter"]
        with self._lock:
            requests = sorted(self.requests.items())
            latency = {route: list(row) for route, row in sorted(self.latency.items())}
            frames, events = self.frames_served, self.events_accepted
        for (method, route, status), n in requests:
            lines.append(f'netral_http_requests_total{{method="{method}",route="{_label(route)}",status="{status}"}} {n}')
        lines += ["# HELP netral_http_request_duration_seconds Time to answer, by route template.",
                  "# TYPE netral_http_request_duration_seconds histogram"]
        for route, row in latency.items():
            cumulative = 0
            for bound, n in zip((*BUCKETS, float("inf")), row[:-2], strict=True):
                cumulative += n
                le = "+Inf" if bound == float("inf") else repr(bound)
                lines.append(f'netral_http_request_duration_seconds_bucket{{route="{_label(route)}",le="{le}"}} {cumulative}')
            lines.append(f'netral_http_request_duration_seconds_sum{{route="{_label(route)}"}} {row[-2]:.6f}')
            lines.append(f'netral_http_request_duration_seconds_count{{route="{_label(route)}"}} {row[-1]}')
        lines += ["# HELP netral_frames_served_total Twibbon frames answered (200 or 304) by this process.",
                  "# TYPE netral_frames_served_total counter", f"netral_frames_served_total {frames}",
                  "# HELP netral_events_accepted_total Participation events this process counted.",
                  "# TYPE netral_events_accepted_total counter", f"netral_events_accepted_total {events}"]
        if store is not None:
            lines += ["# HELP netral_participation_total Events counted in the store (every replica), by action.",
                      "# TYPE netral_participation_total gauge"]
            for action, n in sorted(store.by_action().items()):
                lines.append(f'netral_participation_total{{action="{_label(action)}"}} {n}')
            lines += ["# HELP netral_kit_jobs Kit jobs in the store (every replica), by state.",
                      "# TYPE netral_kit_jobs gauge"]
            states = store.kit_states()
            for state in ("queued", "running", "done", "failed"):
                lines.append(f'netral_kit_jobs{{state="{state}"}} {states.get(state, 0)}')
        return "\n".join(lines) + "\n"


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class MetricsMiddleware:
    def __init__(self, app, metrics: Metrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def sending(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "(other)"
            self.metrics.observe(scope.get("method", ""), template, status[0], time.perf_counter() - started)
