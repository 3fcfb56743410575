"""Checks a chargeback CSV (aigne-hub admin report chargeback --format csv) against the hub's database.

Usage: chargeback_csv.py CSV DATABASE MONTH BY

Parses the file with Python's csv module (strict RFC 4180 dialect: comma, double quotes, CRLF), then
checks, to the nano-unit (Decimal, never float):
  - the rows add up to the total row;
  - each row equals the sums of the raw usage events of that month in the database;
  - by user: the credits charged equal the usage entries of the ledger in that month, per user and in all.
Prints a JSON summary; exits non-zero with the first difference found.
"""
import csv
import json
import sqlite3
import sys
from decimal import Decimal

NANOS = Decimal(1_000_000_000)


def nanos(text):
    value = Decimal(text) * NANOS
    if value != value.to_integral_value():
        raise SystemExit(f"{text!r} is finer than a nano-unit")
    return int(value)


def fail(message):
    print(message, file=sys.stderr)
    raise SystemExit(1)


def main():
    csv_path, db_path, month, by = sys.argv[1:5]
    raw = open(csv_path, "rb").read()
    if not raw.endswith(b"\r\n") or raw.count(b"\n") != raw.count(b"\r\n"):
        fail("records must end with CRLF (RFC 4180)")
    with open(csv_path, newline="", encoding="utf-8") as f:
        records = list(csv.reader(f, strict=True))
    header, body, total = records[0], records[1:-1], records[-1]
    if header != [by, "calls", "tokens_in", "tokens_out", "provider_cost_usd", "credits_charged"]:
        fail(f"unexpected header {header}")
    if total[0] != "(total)":
        fail(f"the last record is not the total: {total}")

    def values(record):
        return (int(record[1]), int(record[2]), int(record[3]), nanos(record[4]), nanos(record[5]))

    rows = {record[0]: values(record) for record in body}
    if len(rows) != len(body):
        fail("a row label appears twice")
    sums = tuple(sum(row[i] for row in rows.values()) for i in range(5))
    if sums != values(total):
        fail(f"the rows add up to {sums}, the total row says {values(total)}")

    year, number = map(int, month.split("-"))
    start = f"{month}-01"
    end = f"{year + number // 12:04d}-{number % 12 + 1:02d}-01"
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    key = {
        "user": "COALESCE(u.name, '(no user)')",
        "team": "COALESCE(t.name, '(no team)')",
        "model": "CASE WHEN p.name IS NOT NULL THEN p.name || '/' || e.model WHEN e.model = '' THEN '(no model)' ELSE e.model END",
    }[by]
    events = {
        row[0]: tuple(row[1:])
        for row in db.execute(
            f"""SELECT {key}, COUNT(*), SUM(e.tokens_in), SUM(e.tokens_out), SUM(e.provider_cost), SUM(e.credits_charged)
                FROM usage_events e LEFT JOIN users u ON u.id = e.user_id LEFT JOIN teams t ON t.id = e.team_id
                LEFT JOIN providers p ON p.id = e.provider_id
                WHERE e.created_at >= ? AND e.created_at < ? GROUP BY 1""",
            (start, end),
        )
    }
    if events != rows:
        fail(f"the report says {rows}, the usage events say {events}")

    ledger_total = -(db.execute(
        "SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE kind = 'usage' AND created_at >= ? AND created_at < ?",
        (start, end)).fetchone()[0])
    if ledger_total != values(total)[4]:
        fail(f"the ledger's usage entries come to {ledger_total} nano-credits, the report to {values(total)[4]}")
    if by == "user":
        charged = dict(db.execute(
            """SELECT u.name, -SUM(l.amount) FROM ledger l JOIN users u ON u.id = l.user_id
               WHERE l.kind = 'usage' AND l.created_at >= ? AND l.created_at < ? GROUP BY u.name""",
            (start, end)))
        for name, row in rows.items():
            if charged.get(name, 0) != row[4]:
                fail(f"{name}: the ledger charged {charged.get(name, 0)}, the report says {row[4]}")

    print(json.dumps({"rows": len(rows), "calls": sums[0], "credits_nanos": sums[4], "cost_nanos": sums[3]}))


main()
