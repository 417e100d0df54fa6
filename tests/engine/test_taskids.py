"""webapp/engine/taskids.py: the ids SpiffWorkflow gives new tasks are what `uuid.uuid4()` gives, never repeated
(across threads, or in a forked child)."""

from __future__ import annotations

import os
import threading
import uuid

from SpiffWorkflow import task as spiff_task

from webapp.engine import taskids


def test_spiffworkflow_takes_new_task_ids_from_taskids() -> None:
    assert spiff_task.uuid4 is taskids.uuid4  # type: ignore[attr-defined]


def test_ids_are_the_objects_uuid4_makes() -> None:
    seen = set()
    for _ in range(3 * taskids._BATCH + 7):  # over several refills
        ours = taskids.uuid4()
        theirs = uuid.UUID(bytes=ours.bytes, version=4)  # what uuid4() makes of the same 16 bytes
        assert type(ours) is uuid.UUID and ours.version == 4 and ours.variant == uuid.RFC_4122
        assert ours == theirs and ours.int == theirs.int and hash(ours) == hash(theirs)
        assert str(ours) == str(theirs) and uuid.UUID(str(ours)) == ours and ours.is_safe is theirs.is_safe
        seen.add(ours)
    assert len(seen) == 3 * taskids._BATCH + 7


def test_threads_never_get_the_same_id() -> None:
    taken: list[list[uuid.UUID]] = [[] for _ in range(4)]

    def take(into: list[uuid.UUID]) -> None:
        for _ in range(2000):
            into.append(taskids.uuid4())

    threads = [threading.Thread(target=take, args=(into,)) for into in taken]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [u for into in taken for u in into]
    assert len(set(every)) == len(every) == 8000


def test_a_forked_child_does_not_reuse_its_parents_ids() -> None:
    taskids.uuid4()  # the parent holds read-ahead ids
    assert taskids._values
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: nothing read ahead, so its ids are its own
        os.write(write, b"1" if not taskids._values and taskids.uuid4() else b"0")
        os._exit(0)
    os.close(write)
    answer = os.read(read, 1)
    os.close(read)
    os.waitpid(pid, 0)
    assert answer == b"1" and taskids._values
