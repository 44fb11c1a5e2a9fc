# decided_random.sh - a property test over random small towns, through the
# real tools: after every night, each request's --request explanation agrees
# with the export (state, reason, position, batch) and with the recorded
# events (the request a duplicate met, a promotion and its cause, a
# cancellation, a waiting-list position), and no waiting-list position ever
# gets worse from one night to the next (contract sections 4 and 5).
. "$NOCTURNE_TOP/tests/e2e/lib.sh"

TOWNS=${DECIDED_TOWNS:-8}
# A configuration of its own (the database comes with --db), whatever /etc has.
printf '[database]\nbusy_timeout_ms = 5000\n' >"$T/n.ini"
export NOCTURNE_CONFIG="$T/n.ini"
/usr/bin/python3 - "$T" "$TOWNS" <<'PY'
import csv, io, os, random, re, sqlite3, subprocess, sys

T, TOWNS = sys.argv[1], int(sys.argv[2])
bad = 0
seen = {}

def fail(town, msg):
    global bad
    bad += 1
    if bad <= 20:
        print(f"  town {town}: {msg}")

def tool(*args, db):
    p = subprocess.run(list(args) + ["--db", db], capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"FAIL: {' '.join(args)}: exit {p.returncode}: {p.stderr.strip()}")
    return p.stdout

def write(path, rows):
    with open(path, "w") as f:
        f.write("\n".join(";".join(r) for r in rows) + "\n")

for town in range(TOWNS):
    rnd = random.Random(1000 + town)
    d = os.path.join(T, f"town{town}")
    os.makedirs(d)
    db = os.path.join(d, "n.db")
    nchild = rnd.randint(6, 12)
    write(f"{d}/f.csv", [["family_id", "name"], ["F1", "X"]])
    write(f"{d}/c.csv", [["child_id", "family_id", "first_name", "last_name"]] +
          [[f"C{i}", "F1", f"E{i}", "X"] for i in range(nchild)])
    acts = [["activity_id", "name", "capacity", "waitlist", "deadline_days", "deadline_time"]]
    for a in range(2):
        acts.append([f"A{a}", f"Act {a}", str(rnd.randint(1, 2)), rnd.choice(["oui", "oui", "oui", "non", "2"]),
                     str(rnd.randint(0, 2)), "10:00"])
    write(f"{d}/a.csv", acts)
    days = ["2019-12-10", "2019-12-11", "2019-12-12"]
    write(f"{d}/o.csv", [["activity_id", "date"]] +
          [[f"A{a}", day] for a in range(2) for day in days if rnd.random() < 0.9])
    for kind, f in [("families", "f"), ("children", "c"), ("activities", "a"), ("openings", "o")]:
        tool("nocturne-import", kind, f"{d}/{f}.csv", db=db)
    seq = 0
    prev_pos = {}
    reserved = []
    for night in range(4):
        now_day = 2 + night
        rows = [["request_id", "child_id", "activity_id", "date", "action", "submitted_at"]]
        for _ in range(rnd.randint(6, 14)):
            seq += 1
            # some requests imported late: submitted before the last night;
            # the last night's near the dates, some after their deadline
            # (late ones in the morning before the last night's evening ones)
            if night == 3:
                sday, hh = rnd.randint(8, 11), rnd.randint(6, 23)
            elif rnd.random() < 0.35:
                sday, hh = now_day - 1, rnd.randint(6, 11)
            else:
                sday, hh = now_day, rnd.randint(12, 23)
            mm = rnd.choice([0, 15, 30, 59])
            if reserved and rnd.random() < 0.35:
                child, act, day = rnd.choice(reserved)  # cancel something asked for
                action = "cancel"
            else:
                child, act = f"C{rnd.randrange(nchild)}", f"A{rnd.randrange(2)}"
                day = rnd.choice(days[:1] if night < 3 else days)
                action = "cancel" if rnd.random() < 0.1 else "reserve"
                if action == "reserve":
                    reserved.append((child, act, day))
            rows.append([f"r{seq}", child, act, day, action,
                         f"2019-12-{max(1, sday):02d} {hh:02d}:{mm:02d}"])
        write(f"{d}/r{night}.csv", rows)
        tool("nocturne-import", "requests", f"{d}/r{night}.csv", db=db)
        # the last night runs after the 10th: its lists expire
        tool("nocturne-transmit", "--now",
             f"2019-12-{now_day if night < 3 else 11:02d} 23:59:59", db=db)

        exp = {r["request_id"]: r for r in
               csv.DictReader(io.StringIO(tool("nocturne-status", "--export", "--raw", db=db)), delimiter=";")}
        con = sqlite3.connect(db)
        ids = dict(con.execute("SELECT seq, request_id FROM request"))
        evs = {}
        for s, b, n, kind, reason, pos, other, prev in con.execute(
                "SELECT seq, batch_id, n, kind, reason, position, other, prev FROM event_log ORDER BY seq, batch_id, n"):
            evs.setdefault(ids[s], []).append((b, kind, reason, pos, ids.get(other), prev))
        con.close()
        for l in evs.values():
            for e in l:
                key = e[1] + ("/" + e[2] if e[2] else "")
                seen[key] = seen.get(key, 0) + 1
        waiting = {}
        for rid, r in exp.items():
            if r["state"] == "waitlisted":
                waiting.setdefault((r["activity_id"], r["date"]), []).append(rid)

        for rid, r in exp.items():
            out = tool("nocturne-status", "--request", rid, db=db)
            m = re.search(r"^  state: +([a-z]+)(?: \((\w+)\))?(?:, position (\d+))?(?:, batch (\d+) at)?", out, re.M)
            rule = re.search(r"^  rule: +(.*)$", out, re.M).group(1)
            got = (m.group(1), m.group(2) or "", m.group(3) or "", m.group(4) or "")
            want = (r["state"], r["reason"], r["position"], r["batch_id"])
            if got != want:
                fail(town, f"{rid}: state line {got} != export {want}")
            b = int(r["batch_id"] or 0)
            mine = [e for e in evs.get(rid, []) if e[0] == b]
            if r["state"] != "pending" and not mine:
                fail(town, f"{rid}: no event in its batch {b}")
                continue
            last = mine[-1] if mine else None
            st = r["state"]
            if st == "refused":
                if last[1] != "refused" or last[2] != r["reason"]:
                    fail(town, f"{rid}: last event {last} for refused {r['reason']}")
                if r["reason"] == "duplicate" and not rule.endswith(f"(request {last[4]})"):
                    fail(town, f"{rid}: duplicate names another request than {last[4]}: {rule}")
            elif st == "waitlisted":
                n = len(waiting[(r["activity_id"], r["date"])])
                if not rule.startswith(f"waitlisted, position {r['position']} of {n} "):
                    fail(town, f"{rid}: {rule}")
                first = [e for e in evs[rid] if e[1] == "waitlisted"][0]
                if f"batch {first[0]} at position {first[3]})" not in rule:
                    fail(town, f"{rid}: join not told: {rule} / {first}")
            elif st == "cancelled":
                if last[1] != "cancelled" or f"by cancellation request {last[4]};" not in rule:
                    fail(town, f"{rid}: {rule} / {last}")
                canc = exp[last[4]]
                if canc["action"] != "cancel" or canc["state"] != "accepted" or canc["batch_id"] != r["batch_id"]:
                    fail(town, f"{rid}: cancelled by {last[4]} which is {canc}")
            elif st == "expired":
                if last[1] != "expired" or f"(position {last[3]})" not in rule:
                    fail(town, f"{rid}: {rule} / {last}")
            elif st == "accepted" and r["action"] == "reserve":
                promoted = [e for e in mine if e[1] == "promoted"]
                if promoted:
                    cause = promoted[-1][4]
                    if "after promotion from the waiting list" not in rule or \
                            (cause and f"freed by cancellation request {cause} " not in rule + " "):
                        fail(town, f"{rid}: promoted ({cause}) but: {rule}")
                    if [e for e in mine if e[1] == "waitlisted"] and "that same night" not in rule:
                        fail(town, f"{rid}: waitlisted and promoted the same night: {rule}")
                elif rule != f"accepted in batch {b}: a place was free and nobody was waiting":
                    fail(town, f"{rid}: {rule} / {mine}")
            elif st == "accepted":
                if last[1] != "accepted" or not rule.startswith(f"accepted in batch {b}: cancels reservation {last[4]}"):
                    fail(town, f"{rid}: {rule} / {last}")
            # a position told is never worse the next night
            if st == "waitlisted":
                p = int(r["position"])
                if rid in prev_pos and p > prev_pos[rid]:
                    fail(town, f"{rid}: position {prev_pos[rid]} became {p} in night {night + 1}")
                prev_pos[rid] = p
            else:
                prev_pos.pop(rid, None)
        # The list's order is the joining order: by batch of joining, then
        # submitted_at, then import order.
        con = sqlite3.connect(db)
        for (act, day), rids in waiting.items():
            rows = con.execute(
                "SELECT r.request_id FROM request r JOIN activity a ON a.ref = r.activity_ref"
                " WHERE a.activity_id = ? AND r.day = julianday(?) - 2440587.5 AND r.state = 'waitlisted'"
                " ORDER BY (SELECT min(batch_id) FROM event_log v WHERE v.seq = r.seq AND v.kind = 'waitlisted'),"
                " r.submitted_at, r.seq", (act, day)).fetchall()
            order = [x[0] for x in rows]
            by_pos = sorted(rids, key=lambda x: int(exp[x]["position"]))
            if order != by_pos:
                fail(town, f"list {act} {day}: positions {by_pos}, joining order {order}")
        con.close()
# The towns must reach every kind of event, or the test proves little.
for k in ["accepted", "waitlisted", "promoted", "cancelled", "expired", "refused/duplicate",
          "refused/full", "refused/deadline", "refused/nothing_to_cancel", "refused/closed"]:
    if seen.get(k, 0) == 0:
        fail("all", f"no '{k}' event in any town: {seen}")
print(("FAIL" if bad else "PASS") + f": decided_random ({TOWNS} towns, 4 nights each)")
PY
