#!/usr/bin/python3
"""peer.py TOWN REQUESTS1 NOW1 [REQUESTS2 NOW2 ...] OUT - the naive peer.

A second implementation of nocturne's nightly rules (contract sections 3 to
5), written the obvious way: everything in memory, plain dicts and lists, no
database. It reads the town's reference data (TOWN/families.csv,
children.csv, activities.csv, openings.csv, as bench/towngen writes them:
';'-separated, ISO dates), then for each night i: imports REQUESTSi, runs one
batch at clock NOWi ('YYYY-MM-DD HH:MM[:SS]') and writes OUT/export<i>.csv,
the export of contract section 5 (every request, in import order).

bench.sh runs it beside nocturne on the same nights and compares the exports
byte for byte: where they differ, one of the two breaks the contract.
Defaults of the contract: refuse_debtor = no, expire_waitlist = yes;
deadline_rule calendar (the only rule towngen writes).
"""
import csv
import calendar
import os
import sys
import time


def instant(text):
    """Naive local seconds since 1970 of 'YYYY-MM-DD HH:MM[:SS]'."""
    fmt = "%Y-%m-%d %H:%M:%S" if text.count(":") == 2 else "%Y-%m-%d %H:%M"
    return calendar.timegm(time.strptime(text.strip(), fmt))


def day_number(text):
    return instant(text + " 00:00") // 86400


def minutes(text):
    if text == "":
        return None
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def boolean_list(text):
    """waitlist: 0 = none, -1 = without limit, N = at most N."""
    t = text.strip().lower()
    if t in ("", "no", "non", "0", "false"):
        return 0
    if t in ("yes", "oui", "true", "1") and not t.isdigit():
        return -1
    return int(t)


def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter=";"))


def load_town(town):
    children = {}
    for r in rows(os.path.join(town, "children.csv")):
        children[r["child_id"]] = r["family_id"]
    activities = {}
    for r in rows(os.path.join(town, "activities.csv")):
        hours = r.get("hours", "")
        start, end = (hours.split("-") if hours else ("", ""))
        activities[r["activity_id"]] = {
            "capacity": int(r["capacity"]) if r.get("capacity", "") != "" else None,
            "waitlist": boolean_list(r.get("waitlist", "")),
            "promote_days": int(r.get("promote_days") or 0),
            "hours_from": minutes(start),
            "hours_to": minutes(end),
            "deadline_days": int(r.get("deadline_days") or 0),
            "deadline_time": minutes(r.get("deadline_time") or "00:00"),
        }
    openings = {}
    for r in rows(os.path.join(town, "openings.csv")):
        cap = r.get("capacity", "")
        openings[(r["activity_id"], day_number(r["date"]))] = int(cap) if cap != "" else None
    return children, activities, openings


def date_text(day):
    return time.strftime("%Y-%m-%d", time.gmtime(day * 86400))


def main(argv):
    if len(argv) < 5 or len(argv) % 2 != 1:
        sys.exit("usage: peer.py TOWN REQUESTS1 NOW1 [REQUESTS2 NOW2 ...] OUT")
    town, out = argv[1], argv[-1]
    nights = [(argv[i], argv[i + 1]) for i in range(2, len(argv) - 1, 2)]
    children, activities, openings = load_town(town)
    requests = []        # every request, in import order
    by_id = {}
    slots = {}           # (activity, day) -> {"holders": {child: req}, "list": [req, ...],
                         #                     "waiting": {child: req}}
    os.makedirs(out, exist_ok=True)

    for night, (path, now_text) in enumerate(nights, start=1):
        # The import: new requests are pending.
        for r in rows(path):
            if r["request_id"] in by_id:
                continue
            req = {
                "id": r["request_id"],
                "seq": len(requests) + 1,
                "child": r["child_id"],
                "activity": r["activity_id"],
                "day": day_number(r["date"]),
                "action": "cancel" if r["action"] in ("cancel", "annulation") else "reserve",
                "arrival": minutes(r["arrival"]),
                "departure": minutes(r["departure"]),
                "submitted": instant(r["submitted_at"]),
                "state": "pending",
                "reason": "",
                "position": None,
                "batch": None,
            }
            requests.append(req)
            by_id[req["id"]] = req

        # The batch.
        now = instant(now_text)
        today = now // 86400
        batch = night
        pending = [q for q in requests if q["state"] == "pending" and q["submitted"] <= now]
        todo = {}
        for q in pending:
            todo.setdefault((q["activity"], q["day"]), []).append(q)
        for key, slot in slots.items():
            if slot["list"] and key not in todo:
                todo[key] = []
        for key in sorted(todo):
            act_id, day = key
            act = activities[act_id]
            slot = slots.setdefault(key, {"holders": {}, "list": [], "waiting": {}})
            is_open = key in openings
            capacity = act["capacity"]
            if is_open and openings[key] is not None:
                capacity = openings[key]
            may_promote = is_open and day - today >= act["promote_days"]

            def place_free():
                return is_open and (capacity is None or len(slot["holders"]) < capacity)

            def promote():
                while may_promote and slot["list"] and place_free():
                    head = slot["list"].pop(0)
                    del slot["waiting"][head["child"]]
                    head["state"] = "accepted"
                    head["batch"] = batch
                    slot["holders"][head["child"]] = head

            promote()
            for q in sorted(todo[key], key=lambda q: (q["submitted"], q["seq"])):
                q["batch"] = batch
                limit = (day - act["deadline_days"]) * 86400 + act["deadline_time"] * 60
                reason = ""
                if not is_open:
                    reason = "closed"
                elif not q["submitted"] < limit:
                    reason = "deadline"
                elif q["action"] == "reserve" and act["hours_from"] is not None and not (
                        q["arrival"] is not None
                        and act["hours_from"] <= q["arrival"] <= act["hours_to"]
                        and (q["departure"] is None
                             or (act["hours_from"] <= q["departure"] <= act["hours_to"]
                                 and q["departure"] > q["arrival"]))):
                    reason = "times"
                if reason:
                    q["state"], q["reason"] = "refused", reason
                    continue
                waiting = slot["waiting"].get(q["child"])
                held = slot["holders"].get(q["child"])
                if q["action"] == "reserve":
                    if held is not None or waiting is not None:
                        q["state"], q["reason"] = "refused", "duplicate"
                    elif place_free() and not slot["list"]:
                        q["state"] = "accepted"
                        slot["holders"][q["child"]] = q
                    elif act["waitlist"] != 0 and (act["waitlist"] < 0
                                                   or len(slot["list"]) < act["waitlist"]):
                        q["state"] = "waitlisted"
                        slot["list"].append(q)
                        slot["waiting"][q["child"]] = q
                    else:
                        q["state"], q["reason"] = "refused", "full"
                else:
                    if held is not None:
                        q["state"] = "accepted"
                        del slot["holders"][q["child"]]
                        held["state"], held["batch"] = "cancelled", batch
                        promote()
                    elif waiting is not None:
                        q["state"] = "accepted"
                        slot["list"].remove(waiting)
                        del slot["waiting"][q["child"]]
                        waiting["state"], waiting["batch"] = "cancelled", batch
                    else:
                        q["state"], q["reason"] = "refused", "nothing_to_cancel"
            if day < today:
                for w in slot["list"]:
                    w["state"], w["batch"], w["position"] = "expired", batch, None
                slot["list"] = []
                slot["waiting"] = {}
            for i, w in enumerate(slot["list"], start=1):
                w["position"] = i
        for q in requests:
            if q["state"] != "waitlisted":
                q["position"] = None

        # The export.
        decided = {b: time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t))
                   for b, t in batches_at(night, nights).items()}
        with open(os.path.join(out, "export%d.csv" % night), "w", newline="",
                  encoding="utf-8") as f:
            w = csv.writer(f, delimiter=";", lineterminator="\n")
            w.writerow(["request_id", "child_id", "activity_id", "date", "action", "state",
                        "reason", "position", "batch_id", "decided_at"])
            for q in requests:
                w.writerow([q["id"], q["child"], q["activity"], date_text(q["day"]),
                            q["action"], q["state"], q["reason"],
                            q["position"] if q["position"] is not None else "",
                            q["batch"] if q["batch"] is not None else "",
                            decided[q["batch"]] if q["batch"] is not None else ""])


def batches_at(night, nights):
    return {i: instant(nights[i - 1][1]) for i in range(1, night + 1)}


if __name__ == "__main__":
    main(sys.argv)
