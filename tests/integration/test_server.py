"""`paybus up` and `paybus worker` as a user runs them: real processes, real HTTP, real signals."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

PAYBUS = str(Path(sys.executable).parent / "paybus")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Running:
    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self.process = process
        self.url = f"http://127.0.0.1:{port}"

    def stop(self, timeout: float = 20) -> tuple[int, str]:
        self.process.send_signal(signal.SIGTERM)
        _, err = self.process.communicate(timeout=timeout)
        return self.process.returncode, err


def start(args: list[str], cwd: Path, port: int) -> Running:
    process = subprocess.Popen(
        [PAYBUS, *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    running = Running(process, port)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _, err = process.communicate()
            raise AssertionError(f"paybus exited early ({process.returncode}): {err}")
        try:
            if httpx.get(f"{running.url}/healthz", timeout=1).status_code == 200:
                return running
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.kill()
    raise AssertionError("paybus did not become healthy in 20 s")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Running]:
    port = free_port()
    running = start(["up", "--port", str(port), "--log-format", "json"], tmp_path, port)
    yield running
    if running.process.poll() is None:
        running.process.kill()
        running.process.wait()


def test_up_serves_health_and_metrics_and_stops_cleanly_on_sigterm(
    server: Running, tmp_path: Path
) -> None:
    health = httpx.get(f"{server.url}/healthz").json()
    assert health["status"] == "ok" and health["store"] == "sqlite"
    metrics = httpx.get(f"{server.url}/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    assert 'paybus_store_units_total{engine="sqlite",kind="read",outcome="ok"}' in metrics.text
    assert (tmp_path / "paybus.db").exists(), "the default store is ./paybus.db"

    code, err = server.stop()
    assert code == 0, err
    actions = [json.loads(line).get("action") for line in err.splitlines() if line.startswith("{")]
    assert actions.index("server.started") < actions.index("runtime.drained")
    assert actions[-1] == "server.stopped"


def test_project_file_is_read_from_the_working_directory(tmp_path: Path) -> None:
    port = free_port()
    (tmp_path / "paybus.toml").write_text(
        f'[server]\nport = {port}\n[store]\nurl = "sqlite:///data.db"\n'
    )
    running = start(["up"], tmp_path, port)
    try:
        assert (tmp_path / "data.db").exists()
    finally:
        code, err = running.stop()
    assert code == 0, err


@pytest.mark.postgres
def test_up_on_postgres(pg_url: str, tmp_path: Path) -> None:
    port = free_port()
    running = start(["up", "--store", pg_url, "--port", str(port)], tmp_path, port)
    assert httpx.get(f"{running.url}/healthz").json()["store"] == "postgresql"
    code, err = running.stop()
    assert code == 0, err


def test_worker_runs_until_sigterm_then_exits_zero(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [PAYBUS, "worker", "--log-format", "json"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    for line in process.stderr:
        if '"runtime.started"' in line:
            break
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=20)
    assert process.returncode == 0


def run_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PAYBUS, *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def assert_one_line_error(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]


def test_port_in_use_is_a_one_line_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli(["up", "--port", str(port)], tmp_path)
    assert_one_line_error(result, f"port {port} on 127.0.0.1 is already in use")


def test_unknown_config_key_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "paybus.toml").write_text("[server]\nprot = 4510\n")
    assert_one_line_error(run_cli(["up"], tmp_path), "paybus.toml: unknown key 'server.prot'")


def test_bad_config_value_names_key_and_value(tmp_path: Path) -> None:
    (tmp_path / "paybus.toml").write_text('[server]\nport = "many"\n')
    assert_one_line_error(run_cli(["up"], tmp_path), "server.port")


def test_bad_store_url_is_a_one_line_error(tmp_path: Path) -> None:
    result = run_cli(["up", "--store", "mysql://localhost/x"], tmp_path)
    assert_one_line_error(result, "invalid store URL 'mysql://localhost/x'")


def test_unreachable_postgres_is_a_one_line_error(tmp_path: Path) -> None:
    result = run_cli(["db", "migrate", "--store", "postgresql://postgres@127.0.0.1:1/x"], tmp_path)
    assert_one_line_error(
        result, "cannot connect to PostgreSQL at postgresql://postgres@127.0.0.1:1/x"
    )


def test_missing_config_file_is_named(tmp_path: Path) -> None:
    assert_one_line_error(
        run_cli(["up", "--config", "nope.toml"], tmp_path), "'nope.toml' does not exist"
    )


def test_version(tmp_path: Path) -> None:
    from paybus import __version__

    result = run_cli(["--version"], tmp_path)
    assert result.returncode == 0 and result.stdout.strip() == f"paybus {__version__}"


def test_bad_rule_in_project_file_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "paybus.toml").write_text(
        '[[rules]]\nname = "broken"\nevent_pattern = { source = [] }\n'
    )
    result = run_cli(["up", "--port", str(free_port())], tmp_path)
    assert_one_line_error(
        result,
        "paybus.toml: rule 'broken': Event pattern is not valid. "
        "Reason: Empty arrays are not allowed",
    )
