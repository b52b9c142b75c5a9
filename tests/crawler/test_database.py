"""The crawl's transactions on PostgreSQL: one that the server rolls back to break a deadlock runs again whole.

Two real transactions lock two rows of a table in opposite orders, so the server must pick one of
them to roll back (SQLSTATE 40P01); both run under ``retried``.
"""

from __future__ import annotations

import threading

import pytest

from crawler.database import TransactionConflict, retried, transaction


@pytest.mark.parametrize("db_engine", ["postgresql"], indirect=True)
def test_a_transaction_rolled_back_to_break_a_deadlock_runs_again_whole_and_counts_once(kb, db_engine):
    with transaction(kb) as db:
        db.execute("CREATE TABLE tally (id integer PRIMARY KEY, n integer NOT NULL)")
        db.execute("INSERT INTO tally (id, n) VALUES (1, 0), (2, 0)")
    both_hold_one = threading.Barrier(2, timeout=10)
    runs, undone, errors = [], [], []

    def add_one_to_each(first: int, second: int) -> None:
        def work(db) -> None:
            runs.append(first)
            db.execute("UPDATE tally SET n = n + 1 WHERE id = ?", (first,))
            if runs.count(first) == 1:  # the first run waits for the other to hold its row: a deadlock
                both_hold_one.wait()
            db.execute("UPDATE tally SET n = n + 1 WHERE id = ?", (second,))

        try:
            retried(kb, work, undo=lambda: undone.append(first))
        except TransactionConflict as exc:
            errors.append(exc)

    threads = [threading.Thread(target=add_one_to_each, args=order) for order in ((1, 2), (2, 1))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert len(undone) == 1 and sorted(runs) == sorted([1, 2, undone[0]]), "one was rolled back and ran again"
    with transaction(kb) as db:
        assert db.execute("SELECT id, n FROM tally ORDER BY id").fetchall() == [(1, 2), (2, 2)], "each counted once"


@pytest.mark.parametrize("db_engine", ["postgresql"], indirect=True)
def test_a_conflict_met_on_every_run_is_the_callers_after_the_last(kb, db_engine):
    runs = []

    def work(db) -> None:
        runs.append(1)
        db.execute("SELECT 1")  # the transaction is open
        raise_serialization_failure(db)

    with pytest.raises(TransactionConflict, match="busy with another writer"):
        retried(kb, work, attempts=3)
    assert len(runs) == 3


def raise_serialization_failure(db) -> None:
    """SQLSTATE 40001 raised by the server itself (a PL/pgSQL RAISE), as a serializable transaction gets it."""
    db.execute("DO $$ BEGIN RAISE EXCEPTION 'could not serialize' USING ERRCODE = 'serialization_failure'; END $$")
