"""`hdcat worker` asked to stop outside procrastinate's worker loop: cleanly while it starts, and not killed
halfway while it closes (a second SIGTERM from a supervisor, or one sent as the loop ends)."""

import logging
import os
import signal

import pytest
from hdcat.web.harvest_queue import _StoppedBeforeWork, _StopSignals


def test_a_stop_while_the_worker_starts_ends_it_cleanly():
    previous = signal.getsignal(signal.SIGTERM)
    with pytest.raises(_StoppedBeforeWork), _StopSignals():
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(1000):  # the handler runs between bytecodes, at once
            pass
    assert signal.getsignal(signal.SIGTERM) is previous  # the handler before it is back


def test_a_stop_while_the_worker_closes_is_logged_not_fatal(caplog):
    previous = signal.getsignal(signal.SIGINT)
    with caplog.at_level(logging.INFO, logger="hdcat.harvests"), _StopSignals() as signals:
        signals.working = True  # its loop ran: procrastinate's handlers were there and are gone again
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(1000):
            pass
    assert "already stopping" in caplog.text
    assert signal.getsignal(signal.SIGINT) is previous
