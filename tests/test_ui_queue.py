"""The 检查 queue is not held up by other users' batch rewrites (issue #17: "two 10 KB uploads block the 检查 queue for
every user for ~30 s").

Two users upload the seed document to 批量改写 at once; while those rewrites run, a third user checks a one-project
table. The check has its own queue, so it comes back before either rewrite does. (No time bound here: how fast is a
benchmark's business, not a test's.)
"""

from __future__ import annotations

import threading
import time

import pytest
from gradio_client import Client, handle_file
from gradio_client.utils import Status

from ui_helpers import offline_app

pytestmark = [pytest.mark.slow, pytest.mark.server]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    with offline_app(tmp_path_factory.mktemp("home")) as url:
        yield url


@pytest.fixture
def small_table(seed_path, tmp_path):
    """The seed's first project alone, as a JSON document."""
    from assistant.documents import read_document, write_document

    doc, _ = read_document(seed_path)
    one = doc.model_copy(update={"projects": doc.projects[:1]})
    return write_document(one, tmp_path / "one.json", "json")


def test_check_is_answered_while_two_rewrites_run(app_url, seed_path, small_table):
    finished: dict[str, float] = {}
    errors: list[BaseException] = []
    jobs = {}

    def rewrite(key: str) -> None:
        try:
            job = Client(app_url, verbose=False).submit(handle_file(str(seed_path)), True, None, api_name="/rewrite")
            jobs[key] = job
            note, rows, files, _ = job.result(timeout=600)
            assert "改写完成" in note and rows
            finished[key] = time.monotonic()
        except BaseException as exc:  # noqa: BLE001  reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=rewrite, args=(f"rewrite{k}",)) for k in (1, 2)]
    for t in threads:
        t.start()
    # the check goes in once a rewrite is being processed (the upload is done and the batch queue is busy)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not errors and not finished:
        if any(job.status().code in (Status.PROCESSING, Status.PROGRESS) for job in list(jobs.values())):
            break
        time.sleep(0.1)
    assert not errors and not finished, "a rewrite ended before the check could be sent"
    checker = Client(app_url, verbose=False)
    sent = time.monotonic()
    note, summary, findings = checker.predict(handle_file(str(small_table)), api_name="/check")
    checked = time.monotonic()
    print(f"检查 took {checked - sent:.1f} s while the rewrites ran")
    for t in threads:
        t.join(timeout=600)
    assert not errors, errors
    assert "文档得分" in note and len(summary["data"]) == 1
    assert set(finished) == {"rewrite1", "rewrite2"}
    print("rewrites ended " + ", ".join(f"{t - sent:.1f} s" for t in sorted(finished.values())) + " after the check was sent")
    assert checked < min(finished.values()), (
        f"检查 waited for the rewrites: it ended {checked - min(finished.values()):+.1f} s after the first rewrite")
