"""Hostile inputs that once cost gigabytes, hung or ended in an internal error (issue 16): each is now
refused, or answered, in one line with a bounded cost."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from calc.files import read_capped

LENET_ANSWERS = "student,layer,quantity,answer\nada,conv2d,params,156\n"


def one_line(run) -> str:
    assert run.err.count("\n") == 1, run.err
    assert len(run.err) < 300, run.err[:300]
    return run.err


# --- reads: capped while reading, whatever the file is ------------------------------------------


def test_endless_device_is_refused_as_a_model_and_as_answers(cli):
    run = cli("summary", "/dev/zero")
    assert run.status == 2 and "too large" in one_line(run)
    run = cli("check", "lenet5", "--answers", "/dev/zero")
    assert run.status == 2 and "too large" in one_line(run)


def test_fifo_without_a_writer_reads_as_empty_not_a_hang(cli, tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    run = cli("summary", str(fifo))
    assert run.status == 2 and "empty" in one_line(run)


def test_fifo_with_a_writer_is_read_like_a_file(cli, tmp_path):
    fifo = tmp_path / "answers.csv"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "w", encoding="utf-8") as stream:
            stream.write(LENET_ANSWERS)

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        data = read_capped(fifo)
    finally:
        writer.join(timeout=5)
    assert data.decode() == LENET_ANSWERS


def test_a_stream_past_the_cap_is_refused_without_reading_it_all(tmp_path: Path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * 1001)
    assert read_capped(big, 1001) == b"#" * 1001
    with pytest.raises(Exception, match="more than 1,000 bytes"):
        read_capped(big, 1000)


def test_a_handout_is_not_made_from_a_stream(cli, tmp_path):
    fifo = tmp_path / "model.yaml"
    os.mkfifo(fifo)
    run = cli("handout", str(fifo), "-o", str(tmp_path / "out"))
    assert run.status == 2 and "regular file" in one_line(run)
