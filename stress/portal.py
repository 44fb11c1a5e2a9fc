#!/usr/bin/python3
"""portal.py DB STOPFILE START_INSTANT [BUSY_MS] - the portal keeps writing.

Inserts requests into DB one transaction each, as the portal would, with
the same busy timeout as nocturne (default 5000 ms), until STOPFILE exists.
Each request is submitted at START_INSTANT + i seconds (an instant in
nocturne's local seconds since 1970), i.e. after the batch's cut-off when
START_INSTANT is. Once its first insert is committed it makes the file
STOPFILE.started, which its callers wait for (a python start may be slow).
Prints "inserted N failed F max_ms M" at the end; every failure
(SQLITE_BUSY past the timeout...) is printed on stderr.

DB is nocturne's, or bench/barefloor's (a request table of its own, no
child table): the same insert in that table's columns, for the portal's
wait beside the floor's transaction.
"""
import os
import sqlite3
import sys
import time

db, stop, start = sys.argv[1], sys.argv[2], int(sys.argv[3])
busy = int(sys.argv[4]) if len(sys.argv) > 4 else 5000
con = sqlite3.connect(db, timeout=busy / 1000.0, isolation_level=None)
bare = con.execute("SELECT count(*) FROM sqlite_schema WHERE name = 'child'").fetchone()[0] == 0
if bare:
    sql = ("INSERT INTO request(request_id, child, activity, day, action, submitted_at)"
           " VALUES (?, ?, ?, ?, 'reserve', ?)")
    child, act, day = 1, 1, 0
else:
    sql = ("INSERT INTO request(request_id, child_ref, activity_ref, day, action,"
           " submitted_at) VALUES (?, ?, ?, ?, 'reserve', ?)")
    child = con.execute("SELECT min(ref) FROM child").fetchone()[0]
    act, day = con.execute("SELECT activity_ref, max(day) FROM opening").fetchone()
n = failed = 0
worst = 0.0
while not os.path.exists(stop):
    t = time.monotonic()
    try:
        con.execute(sql, ("PORTAL%07d" % n, child, act, day, start + n))
        n += 1
        if n - failed == 1:
            open(stop + ".started", "w").close()
    except sqlite3.Error as e:
        failed += 1
        print("portal.py: insert %d failed: %s" % (n, e), file=sys.stderr)
        n += 1
    worst = max(worst, time.monotonic() - t)
    time.sleep(0.002)
con.close()
print("inserted %d failed %d max_ms %d" % (n - failed, failed, worst * 1000))
