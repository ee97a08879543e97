"""GroupCommit: concurrent submissions are decided in batches, each item exactly once."""
import threading
import time

import pytest

from ideaboard.database import GroupCommit


class Item:
    def __init__(self, n):
        self.n = n
        self.result = None


def test_concurrent_items_are_batched_and_each_settled_once():
    batches = []

    def process(batch):
        time.sleep(0.02)  # a transaction's worth of waiting: the others queue up meanwhile
        batches.append([item.n for item in batch])
        for item in batch:
            item.result = item.n * 2

    box = GroupCommit(process, max_batch=10)
    items = [Item(n) for n in range(40)]
    threads = [threading.Thread(target=box.submit, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(n for batch in batches for n in batch) == list(range(40))  # each once
    assert all(item.result == item.n * 2 for item in items)
    assert len(batches) < 40 and max(len(batch) for batch in batches) <= 11  # batched, and bounded


def test_alone_an_item_is_a_batch_of_one():
    seen = []
    box = GroupCommit(lambda batch: seen.append(len(batch)))
    box.submit(Item(1))
    box.submit(Item(2))
    assert seen == [1, 1]


def test_a_failed_batch_fails_every_waiter_and_the_next_batch_runs():
    calls = []

    def process(batch):
        calls.append(len(batch))
        if len(calls) == 1:
            raise RuntimeError("database down")

    box = GroupCommit(process)
    with pytest.raises(RuntimeError, match="database down"):
        box.submit(Item(1))
    assert box.submit(Item(2)).failure is None
    assert calls == [1, 1]
