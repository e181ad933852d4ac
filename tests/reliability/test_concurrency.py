"""One Assistant, eight threads, a rebuild swapping the index underneath them."""

from __future__ import annotations

import threading

from assistant import Answer, Assistant, RebuildReport
from assistant.embeddings import Embedder

from ..conftest import write_corpus
from .conftest import QUESTIONS, Copy, MemoEmbedder, assert_well_formed, chunk_ids

THREADS = 8
PER_THREAD = 200
K = 3

#: A topic none of the questions touches: it must not change any of their answers.
UNRELATED = """\
# Beekeeping

Beekeepers inspect each hive for the queen and her brood every week in summer. A little
smoke calms the colony during an inspection, and the honey supers come off in August.
"""


def test_eight_threads_share_one_assistant_while_a_rebuild_swaps_the_index(
    copy_old: Copy, embedder: Embedder
) -> None:
    """8 threads x 200 questions (10 distinct, k=3) while a background rebuild adds a file.

    Query vectors are memoised after their first, real, computation (made concurrently
    by the threads); everything downstream (FAISS, BM25, SQLite, the store swap) runs for
    every one of the 1,600 questions.
    """
    sequential = Assistant(copy_old.settings, embedder=MemoEmbedder(embedder))
    baseline = {q: chunk_ids(sequential.ask(q, k=K)) for q in QUESTIONS}
    assert sum(1 for ids in baseline.values() if ids) >= 8

    shared = Assistant(copy_old.settings, embedder=MemoEmbedder(embedder))
    old_build = shared.store().build_dir
    write_corpus(copy_old.corpus, {"notes/beekeeping.md": UNRELATED})

    errors: list[BaseException] = []
    results: list[list[tuple[str, tuple[str, ...]]]] = [[] for _ in range(THREADS)]
    samples: list[Answer] = []
    warm = threading.Semaphore(0)
    swapped = threading.Event()
    report: list[RebuildReport] = []

    def worker(number: int) -> None:
        for i in range(PER_THREAD):
            if i == 20:
                warm.release()  # this thread is under way: the rebuild may start
            if i == PER_THREAD // 2:
                swapped.wait(120)  # the second half runs on the new build
            question = QUESTIONS[(number + i) % len(QUESTIONS)]
            try:
                answer = shared.ask(question, k=K)
            except BaseException as error:
                errors.append(error)
                return
            results[number].append((question, chunk_ids(answer)))
            if i in (0, PER_THREAD - 1):
                samples.append(answer)

    def rebuilder() -> None:
        for _ in range(THREADS):
            warm.acquire(timeout=120)
        try:
            report.append(shared.rebuild())
        except BaseException as error:
            errors.append(error)
        finally:
            swapped.set()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    threads.append(threading.Thread(target=rebuilder))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert not any(thread.is_alive() for thread in threads)

    assert errors == []
    assert report and report[0].files_added == ["notes/beekeeping.md"]
    assert shared.store().build_dir != old_build  # the swap really happened mid-run
    assert sum(len(r) for r in results) == THREADS * PER_THREAD
    mismatches = [(q, ids) for r in results for q, ids in r if ids != baseline[q]]
    assert mismatches == []
    for answer in samples:
        assert_well_formed(answer, shared.store(), K)  # chunk ids are content-addressed
    after = Assistant(copy_old.settings, embedder=MemoEmbedder(embedder))
    assert {q: chunk_ids(after.ask(q, k=K)) for q in QUESTIONS} == baseline


def test_concurrent_first_use_of_one_assistant(copy_old: Copy, memo: MemoEmbedder) -> None:
    """Eight threads racing to load the index for the first time all get the same store."""
    assistant = Assistant(copy_old.settings, embedder=memo)
    stores: list[object] = []
    barrier = threading.Barrier(THREADS)

    def first() -> None:
        barrier.wait()
        stores.append(assistant.store())

    threads = [threading.Thread(target=first) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(stores) == THREADS and all(s is stores[0] for s in stores)
