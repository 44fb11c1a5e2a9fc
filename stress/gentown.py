#!/usr/bin/python3
"""gentown.py OUTDIR REQUESTS [SEED] - a synthetic town for the robustness runs.

Writes families.csv, children.csv, activities.csv, openings.csv and
requests.csv into OUTDIR (';'-separated, UTF-8, names with accents and
apostrophes). About one family per 50 requests, 1.5 children per family,
six activities over 30 school days in December 2019 - January 2020, with
small capacities and waiting lists so the resolution has real contention:
reservations, cancellations, duplicates, deadline and hours refusals,
closed days. Every request is submitted before 2019-11-29 23:00 (the
night's --now), except about 1 % submitted after it, which must stay
pending. Deterministic for a given SEED.
"""
import datetime
import os
import random
import sys

out, nreq = sys.argv[1], int(sys.argv[2])
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
os.makedirs(out, exist_ok=True)
nfam = max(10, nreq // 50)
first = ["Léa", "Mathéo", "Inès", "Noé", "Chloé", "Zoé", "Anaïs", "Loïc", "Hélène", "Jérôme"]
last = ["Martin", "Bernard", "D'Amico", "Lefèvre", "Dubois", "Müller", "Nguyen", "Garçon"]

with open(f"{out}/families.csv", "w", encoding="utf-8") as f:
    f.write("family_id;name;emails;balance\n")
    for i in range(nfam):
        bal = "-12,50" if i % 37 == 0 else "0"
        f.write(f'F{i:06d};{rng.choice(last).upper()} {rng.choice(first)};'
                f'"f{i}@exemple.fr;autre{i}@exemple.fr";{bal}\n')
children = []
with open(f"{out}/children.csv", "w", encoding="utf-8") as f:
    f.write("child_id;family_id;first_name;last_name\n")
    for i in range(nfam):
        for k in range(1 + (i % 2)):
            cid = f"E{i:06d}{k}"
            children.append(cid)
            f.write(f"{cid};F{i:06d};{rng.choice(first)};{rng.choice(last)}\n")
# capacity per day scales with the town so that slots are contended.
scale = max(1, len(children) // 40)
acts = [  # id, name, capacity, waitlist, promote_days, hours, deadline_days, deadline_time
    ("CANTINE", "Restaurant scolaire", 6 * scale, "oui", 0, "", 2, "10:00"),
    ("PERI_MATIN", "Accueil du matin", 2 * scale, "non", 0, "07:00-08:45", 1, "18:00"),
    ("PERI_SOIR", "Accueil du soir", 3 * scale, str(5 * scale), 1, "16:30-18:30", 1, "18:00"),
    ("ETUDE", "Étude surveillée", 2 * scale, "3", 0, "", 0, "00:00"),
    ("MERCREDI", "Centre de loisirs", 4 * scale, "oui", 2, "", 7, "12:00"),
    ("PISCINE", "Piscine « Les Dauphins »", "", "non", 0, "", 0, "00:00"),
]
with open(f"{out}/activities.csv", "w", encoding="utf-8") as f:
    f.write("activity_id;name;structure;capacity;waitlist;promote_days;hours;deadline_days;"
            "deadline_time\n")
    for a in acts:
        f.write(f"{a[0]};{a[1]};École Jules-Verne;{a[2]};{a[3]};{a[4]};{a[5]};{a[6]};{a[7]}\n")
start = datetime.date(2019, 12, 2)
days = [start + datetime.timedelta(d) for d in range(60)]
school = [d for d in days if d.weekday() < 5 and not (datetime.date(2019, 12, 21) <= d <=
                                                      datetime.date(2020, 1, 5))]
with open(f"{out}/openings.csv", "w", encoding="utf-8") as f:
    f.write("activity_id;date;capacity\n")
    for a in acts:
        for d in school:
            if a[0] == "MERCREDI" and d.weekday() != 2:
                continue
            if rng.random() < 0.03:
                continue  # a closed day
            cap = "" if rng.random() < 0.9 or a[2] == "" else max(0, int(a[2]) - 1)
            f.write(f"{a[0]};{d.isoformat()};{cap}\n")
cutoff = datetime.datetime(2019, 11, 29, 23, 0, 0)
base = datetime.datetime(2019, 11, 1)
span = int((cutoff - base).total_seconds())
with open(f"{out}/requests.csv", "w", encoding="utf-8") as f:
    f.write("request_id;child_id;activity_id;date;action;arrival;departure;submitted_at\n")
    for i in range(nreq):
        a = rng.choice(acts)
        d = rng.choice(school) if rng.random() < 0.95 else rng.choice(days)
        if rng.random() < 0.01:
            sub = cutoff + datetime.timedelta(seconds=rng.randint(1, 86400))
        else:
            sub = base + datetime.timedelta(seconds=rng.randint(0, span))
        action = "reserve" if rng.random() < 0.82 else "cancel"
        arr = dep = ""
        if a[5] and action == "reserve":
            lo, hi = a[5].split("-")
            h, m = map(int, lo.split(":"))
            arr = f"{h:02d}:{m + rng.choice([0, 0, 0, 5, 15]):02d}"
            if rng.random() < 0.05:
                arr = "06:30"
            if rng.random() < 0.3:
                dep = hi
        f.write(f"R{i:07d};{rng.choice(children)};{a[0]};{d.isoformat()};{action};{arr};{dep};"
                f"{sub:%Y-%m-%d %H:%M:%S}\n")
