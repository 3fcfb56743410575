# Inserts usage events at a target rate (default 5000/s) in batches every 50 ms, for N seconds.
import sqlite3, sys, time, uuid, random, datetime
db, rate, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
con = sqlite3.connect(db, timeout=5, isolation_level=None)
con.execute("PRAGMA busy_timeout=5000")
users = [r[0] for r in con.execute("SELECT id FROM users")]
providers = [r[0] for r in con.execute("SELECT id FROM providers")]
models = ["gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet"]
start = time.time(); sent = 0; tick = 0.05
while time.time() - start < seconds:
    due = int((time.time() - start) * rate)
    rows = []
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    for _ in range(due - sent):
        rows.append((str(uuid.uuid4()), random.choice(users), random.choice(providers), random.choice(models),
                     random.randint(50, 900), random.randint(20, 400), random.randint(1, 5000) * 1000, 1000,
                     random.uniform(50, 900), 502 if random.random() < 0.02 else 200, "upstream", now))
    if rows:
        con.execute("BEGIN IMMEDIATE")
        con.executemany("INSERT INTO usage_events (request_id,user_id,provider_id,model,tokens_in,tokens_out,credits_charged,provider_cost,latency_ms,status,usage_source,created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        con.execute("COMMIT")
        sent += len(rows)
    time.sleep(tick)
print(f"inserted {sent} events in {time.time()-start:.1f} s ({sent/(time.time()-start):.0f}/s)")
