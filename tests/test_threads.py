"""The single-thread default of the command line and the benchmarks."""

import torch

from nmskit import _threads


def test_default_is_one_thread_and_an_explicit_setting_wins(monkeypatch):
    before = torch.get_num_threads()
    try:
        for var in _threads.VARIABLES:
            monkeypatch.delenv(var, raising=False)
        assert _threads.default_threads() == 1
        assert all(_threads.os.environ[v] == "1" for v in _threads.VARIABLES)
        assert torch.get_num_threads() == 1
        monkeypatch.setenv("OMP_NUM_THREADS", "2")
        assert _threads.default_threads() == 2 and torch.get_num_threads() == 2
        monkeypatch.setenv("OMP_NUM_THREADS", "many")  # unreadable: one thread
        assert _threads.default_threads() == 1
    finally:
        torch.set_num_threads(before)
