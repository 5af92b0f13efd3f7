"""The AWS CLI's `aws sqs ...` against `paybus up` (skipped where the AWS CLI is not installed)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from paybus_process import ACCOUNT, REGION, Server

AWS = shutil.which("aws")
pytestmark = pytest.mark.skipif(
    AWS is None, reason="the AWS CLI is not installed (pip install awscli, or AWS CLI v2)"
)


def aws(server: Server, *args: str) -> subprocess.CompletedProcess[str]:
    assert AWS is not None
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": str(Path(os.devnull)),
        "AWS_SHARED_CREDENTIALS_FILE": str(Path(os.devnull)),
        "AWS_PAGER": "",
    }
    return subprocess.run(
        [AWS, "--endpoint-url", server.url, "--output", "json", "sqs", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_create_send_receive_and_a_missing_queue(server: Server, name: str) -> None:
    created = aws(server, "create-queue", "--queue-name", name)
    assert created.returncode == 0, created.stderr
    url = json.loads(created.stdout)["QueueUrl"]
    assert url == f"{server.url}/{ACCOUNT}/{name}"

    sent = aws(server, "send-message", "--queue-url", url, "--message-body", "from the CLI")
    assert sent.returncode == 0, sent.stderr
    received = aws(server, "receive-message", "--queue-url", url, "--attribute-names", "All")
    assert received.returncode == 0, received.stderr
    (message,) = json.loads(received.stdout)["Messages"]
    assert message["Body"] == "from the CLI"
    assert message["MessageId"] == json.loads(sent.stdout)["MessageId"]

    missing = aws(server, "get-queue-url", "--queue-name", f"{name}-missing")
    assert missing.returncode != 0
    assert "NonExistentQueue" in missing.stderr or "QueueDoesNotExist" in missing.stderr
