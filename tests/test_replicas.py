"""Two real `netral serve` processes on one real PostgreSQL database (a throwaway cluster): an event
posted to one is counted by the other, a kit job started on one is followed to its ZIP on the other,
and a replica killed mid-kit leaves its job failed with a clear message instead of hanging. The second
replica runs two worker processes (`--workers 2`), so requests land on either of them."""

import io
import os
import signal
import subprocess
import sys
import time
import zipfile

import httpx
import pytest

from netral_assets.store.throwaway import binaries, temporary_postgres
from netral_assets.web.server import free_port

pytestmark = pytest.mark.skipif(binaries() is None, reason="PostgreSQL (make test installs Debian's postgresql)")
STALE = 3  # seconds without a heartbeat before a job counts as abandoned (30 by default)


def start(url, tmp_path, name, *extra):
    port = free_port()
    env = {**os.environ, "NETRAL_DATABASE": url, "NETRAL_KIT_STALE_SECONDS": str(STALE),
           "NETRAL_ADMIN_TOKEN": "token-uji"}
    log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen([sys.executable, "-m", "netral_assets", "serve", "--port", str(port), *extra],
                               stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path, env=env, start_new_session=True)
    return process, f"http://127.0.0.1:{port}", log


def wait_healthy(process, base, log_path, seconds=90):
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert process.poll() is None and time.monotonic() < deadline, log_path.read_text()
        time.sleep(0.2)


def poll(client, path, until, seconds=180):
    deadline = time.monotonic() + seconds
    while True:
        body = client.get(path).json()
        if until(body):
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.2)


@pytest.fixture(scope="module")
def replicas(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("replicas")
    with temporary_postgres() as url:
        first = start(url, tmp_path, "first")
        second = start(url, tmp_path, "second", "--workers", "2")
        try:
            for (process, base, _), name in ((first, "first"), (second, "second")):
                wait_healthy(process, base, tmp_path / f"{name}.log")
            yield first, second
        finally:
            for process, _, log in (first, second):
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGTERM)
                    try:
                        process.wait(timeout=15)
                    except subprocess.TimeoutExpired:
                        os.killpg(process.pid, signal.SIGKILL)
                        process.wait()
                log.close()


def test_an_event_posted_to_one_replica_is_counted_by_the_other(replicas):
    (_, a, _), (_, b, _) = replicas
    event = {"agency": "kabupaten-sleman", "design": "kotak", "format": "square", "action": "download"}
    with httpx.Client(base_url=a, timeout=30) as first, httpx.Client(base_url=b, timeout=30) as second:
        assert first.post("/api/v1/events", json=event).status_code == 204
        assert first.post("/api/v1/events", json={**event, "action": "share"}).status_code == 204
        # Answered means committed: no waiting, on either of the second replica's workers.
        for _ in range(4):
            stats = second.get("/api/v1/stats/participation", params={"agency": "kabupaten-sleman"}).json()
            assert stats["frames"] == 2 and stats["actions"] == {"download": 1, "share": 1}
        assert "2</strong> bingkai telah dibuat untuk Pemerintah Kabupaten Sleman" in second.get("/t/kabupaten-sleman").text
        assert 'netral_participation_total{action="download"} 1' in second.get("/metrics").text


def test_a_kit_job_started_on_one_replica_is_followed_to_its_zip_on_the_other(replicas):
    (_, a, _), (_, b, _) = replicas
    with httpx.Client(base_url=a, timeout=60) as first, httpx.Client(base_url=b, timeout=60) as second:
        started = first.post("/api/v1/kit/jobs", files={"agency": (None, "kota-batu"), "parts": (None, "logo")})
        assert started.status_code == 202, started.text
        job = poll(second, started.json()["status_url"], lambda j: j["state"] in ("done", "failed"))
        assert job["state"] == "done", job["error"]
        response = second.get(job["zip_url"])
        assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
        names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
        assert "kota-batu/manifest.json" in names and any(n.endswith(".svg") for n in names)
        picture = next(f for f in job["files"] if f["thumbnail"])
        assert second.get(f"{job['status_url']}/thumbs/{picture['path']}").status_code == 200
        assert first.get(job["zip_url"]).content == response.content  # and still on the first
        kits = second.get("/api/v1/stats/participation", params={"agency": "kota-batu"}).json()["kits"]
        assert kits == 1


def test_a_replica_killed_mid_kit_leaves_the_job_failed_not_hanging(replicas):
    (process, a, _), (_, b, _) = replicas
    with httpx.Client(base_url=a, timeout=60) as first, httpx.Client(base_url=b, timeout=60) as second:
        started = first.post("/api/v1/kit/jobs", files={"agency": (None, "kabupaten-sleman")})  # the whole kit
        assert started.status_code == 202, started.text
        status_url = started.json()["status_url"]
        running = poll(second, status_url, lambda j: j["state"] != "queued")
        assert running["state"] == "running", running
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        failed = poll(second, status_url, lambda j: j["state"] != "running", seconds=STALE * 10)
        assert failed["state"] == "failed"
        assert "berhenti sebelum kit selesai" in failed["error"] and "Buat ulang" in failed["error"]
        assert second.get(failed["zip_url"]).status_code == 409
