"""The clients of bench/load.py: signed-in people on loopback, each in its own thread with its
own `requests` session, choosing what to do next by their role, with think time in between.

No Django here: the clients know the server's address, their usernames and a few ids, and
speak HTTP as a browser or an API script would (through the HTTPS proxy's header).
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Every request carries the proxy's header: production serves grantcheck behind an HTTPS
# proxy (GRANTCHECK_TRUSTED_PROXY), so the secure cookies and HSTS settings stay as shipped.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


class LoadError(Exception):
    """A request that did not answer as the product should."""


@dataclass
class Sample:
    kind: str
    started: float  # monotonic seconds
    ms: float
    error: str = ""


@dataclass
class Plan:
    """What the clients may ask for: ids from the database, names for the screen API."""

    findings: Sequence[int]
    pi_projects: Mapping[str, Sequence[int]]  # PI username -> their projects
    screen_names: Sequence[str]
    queue_pages: int
    departments: Sequence[str]


@dataclass
class Client:
    base: str
    username: str
    password: str
    role: str  # "reviewer", "pi" or "api"
    session: requests.Session = field(default_factory=requests.Session)
    csrf: str = ""

    def _url(self, path: str) -> str:
        return self.base + path

    def sign_in(self) -> None:
        """The login form, as a browser fills it (CSRF token, Referer of the HTTPS origin)."""
        s = self.session
        s.headers.update(PROXY_HEADERS)
        s.headers["Referer"] = self._url("/accounts/login/").replace("http://", "https://")
        page = s.get(self._url("/accounts/login/"), timeout=60)
        match = CSRF_INPUT.search(page.text)
        if page.status_code != 200 or not match:
            raise LoadError(f"login page answered {page.status_code}")
        self._unsecure_cookies()
        done = s.post(
            self._url("/accounts/login/"),
            data={
                "username": self.username,
                "password": self.password,
                "csrfmiddlewaretoken": match.group(1),
            },
            allow_redirects=False,
            timeout=60,
        )
        if done.status_code != 302:
            raise LoadError(f"{self.username}: sign-in answered {done.status_code}")
        self._unsecure_cookies()
        self.csrf = s.cookies.get("csrftoken") or ""

    def _unsecure_cookies(self) -> None:
        """The cookies are marked Secure (HTTPS behind the proxy); on loopback the client
        sends them over plain HTTP, as the proxy would on its side."""
        jar: Any = self.session.cookies
        for cookie in list(jar):
            if cookie.secure:
                jar.set(cookie.name, cookie.value, domain=cookie.domain, path=cookie.path)

    def get(self, path: str, expect: str = "") -> requests.Response:
        response = self.session.get(self._url(path), allow_redirects=False, timeout=60)
        self._unsecure_cookies()
        if response.status_code != 200:
            raise LoadError(f"GET {path}: {response.status_code}")
        if expect and expect not in response.text[:200_000]:
            raise LoadError(f"GET {path}: {expect!r} missing")
        return response

    def post_json(self, path: str, body: Any, status: int = 200) -> requests.Response:
        self.csrf = self.session.cookies.get("csrftoken") or self.csrf
        response = self.session.post(
            self._url(path),
            json=body,
            headers={"X-CSRFToken": self.csrf},
            allow_redirects=False,
            timeout=60,
        )
        self._unsecure_cookies()
        if response.status_code != status:
            raise LoadError(f"POST {path}: {response.status_code} {response.text[:200]}")
        return response


def _queue(client: Client, plan: Plan, rng: random.Random) -> None:
    # People read the first pages most: page 1 + an exponential, mean 3 pages further.
    page = min(plan.queue_pages, 1 + int(rng.expovariate(1 / 3)))
    query = f"?page={page}"
    if rng.random() < 0.3:
        query += "&department=" + requests.utils.quote(rng.choice(plan.departments))
    client.get(f"/findings/{query}", expect="<table")


def _finding(client: Client, plan: Plan, rng: random.Random) -> None:
    client.get(f"/findings/{rng.choice(plan.findings)}/")


def _selfcheck(client: Client, plan: Plan, rng: random.Random) -> None:
    project = rng.choice(plan.pi_projects[client.username])
    client.get(f"/projects/{project}/self-check/")


def _csv(client: Client, plan: Plan, rng: random.Random) -> None:
    response = client.get("/api/v1/reports/findings/?format=csv")
    if not response.text.startswith(("\ufeff", "scenario", "#", '"')) and "," not in response.text:
        raise LoadError("the CSV export is not CSV")


def _screen(client: Client, plan: Plan, rng: random.Random) -> None:
    names = rng.sample(list(plan.screen_names), k=min(5, len(plan.screen_names)))
    answer = client.post_json("/api/v1/screen/", {"names": names}).json()
    if len(answer) != len(names):
        raise LoadError("the screen API answered for other names")


# Per role: (kind, weight, action).
MIX: dict[str, list[tuple[str, float, Callable[[Client, Plan, random.Random], None]]]] = {
    "reviewer": [("queue", 0.6, _queue), ("finding", 0.4, _finding)],
    "pi": [("selfcheck", 0.75, _selfcheck), ("csv", 0.25, _csv)],
    "api": [("screen", 1.0, _screen)],
}


def drive(
    clients: Sequence[Client],
    plan: Plan,
    *,
    seconds: float,
    think: float,
    max_requests: int,
    seed: int,
) -> list[Sample]:
    """Every client in its own thread until `seconds` have passed or `max_requests` have been
    sent in all: act, then think (exponential, mean `think` seconds)."""
    samples: list[Sample] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    sent = [0]

    def run(index: int, client: Client) -> None:
        rng = random.Random(f"{seed}:{index}")
        kinds, weights, actions = zip(*MIX[client.role], strict=True)
        while time.monotonic() < deadline:
            with lock:
                if sent[0] >= max_requests:
                    return
                sent[0] += 1
            i = rng.choices(range(len(kinds)), weights)[0]
            started = time.monotonic()
            error = ""
            try:
                actions[i](client, plan, rng)
            except (LoadError, requests.RequestException) as exc:
                error = str(exc)[:300]
            elapsed = (time.monotonic() - started) * 1000
            with lock:
                samples.append(Sample(kinds[i], started, elapsed, error))
            if think > 0:
                time.sleep(min(rng.expovariate(1 / think), think * 5))

    threads = [
        threading.Thread(target=run, args=(i, c), daemon=True) for i, c in enumerate(clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 120)
    with lock:
        return list(samples)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of the values; 0 when there are none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary(samples: Sequence[Sample], seconds: float) -> dict[str, Any]:
    """requests/s, p50/p95/p99 per kind and overall, errors (with a few examples)."""
    kinds: dict[str, Any] = {}
    for kind in sorted({s.kind for s in samples}):
        mine = [s for s in samples if s.kind == kind]
        ms = [s.ms for s in mine]
        kinds[kind] = {
            "requests": len(mine),
            "errors": sum(1 for s in mine if s.error),
            "p50_ms": percentile(ms, 50),
            "p95_ms": percentile(ms, 95),
            "p99_ms": percentile(ms, 99),
        }
    every = [s.ms for s in samples]
    errors = [s for s in samples if s.error]
    return {
        "requests": len(samples),
        "requests_per_s": len(samples) / seconds if seconds else 0.0,
        "errors": len(errors),
        "error_examples": sorted({f"{s.kind}: {s.error}" for s in errors})[:5],
        "p50_ms": percentile(every, 50),
        "p95_ms": percentile(every, 95),
        "p99_ms": percentile(every, 99),
        "worst_kind_p95_ms": max((k["p95_ms"] for k in kinds.values()), default=0.0),
        "kinds": kinds,
    }


ACCESS_LINE = re.compile(r'"(?:GET|POST) (\S+) HTTP/[\d.]+" (\d{3}) \S+ (\d+)ms')
SERVER_KINDS = (
    ("queue", re.compile(r"^/findings/(\?|$)")),
    ("finding", re.compile(r"^/findings/\d+/$")),
    ("selfcheck", re.compile(r"^/projects/\d+/self-check/$")),
    ("screen", re.compile(r"^/api/v1/screen/$")),
    ("csv", re.compile(r"^/api/v1/reports/findings/\?format=csv$")),
)


def server_times(access_log: str) -> dict[str, Any]:
    """Per kind, the time gunicorn's access log gives each request (%(M)s: from the request
    read to the response written, no waiting in the listen queue): p50/p95 in ms."""
    found: dict[str, list[float]] = {}
    for match in ACCESS_LINE.finditer(access_log):
        path, ms = match.group(1), float(match.group(3))
        for kind, pattern in SERVER_KINDS:
            if pattern.match(path):
                found.setdefault(kind, []).append(ms)
                break
    every = [v for values in found.values() for v in values]
    out = {k: {"p50_ms": percentile(v, 50), "p95_ms": percentile(v, 95)} for k, v in found.items()}
    out["all"] = {"p50_ms": percentile(every, 50), "p95_ms": percentile(every, 95)}
    return out
