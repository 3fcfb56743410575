"""Payment webhooks against a real hub, with Stripe's own library as the judge of the format.

Every event is signed here and checked with stripe.Webhook.construct_event before it is sent, so
the hub and Stripe's code agree on the scheme: what Stripe accepts, the hub accepts; what Stripe
refuses (tampered, stale, wrong secret), the hub refuses with 400 and changes nothing.

Environment: HUB (the hub's base URL, no /v1), HUB_BIN and HUB_DATA_DIR (to run `aigne-hub admin`),
OLD_SECRET and NEW_SECRET (both configured on the hub; the old one is removed between phases).
Usage: stripe_webhooks.py main | after-rotation. Exits non-zero naming the failed check.
"""
import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import stripe

HUB = os.environ["HUB"]
OLD = os.environ["OLD_SECRET"]
NEW = os.environ["NEW_SECRET"]
WRONG = "whsec_not_the_hubs_secret_000000"
URL = HUB + "/v1/billing/webhooks/stripe"


def fail(what):
    print(f"FAILED: {what}", file=sys.stderr)
    sys.exit(1)


def check(condition, what):
    if not condition:
        fail(what)


def admin(*arguments):
    done = subprocess.run([os.environ["HUB_BIN"], "admin", *arguments, "--data-dir", os.environ["HUB_DATA_DIR"]],
                          capture_output=True, text=True)
    check(done.returncode == 0, f"aigne-hub admin {' '.join(arguments)}: {done.stderr}")
    return done.stdout


def event(event_id, event_type, obj):
    return json.dumps({"id": event_id, "object": "event", "api_version": "2024-06-20", "created": int(time.time()),
                       "type": event_type, "livemode": False, "data": {"object": obj}})


def checkout(event_id, user, package, intent):
    return event(event_id, "checkout.session.completed", {
        "id": "cs_test_" + event_id, "object": "checkout.session", "mode": "payment", "payment_status": "paid",
        "client_reference_id": user, "metadata": {"package": package}, "amount_total": 1000, "currency": "usd",
        "payment_intent": intent})


def refund(event_id, intent, refunded_cents):
    return event(event_id, "charge.refunded", {
        "id": "ch_" + intent, "object": "charge", "amount": 1000, "amount_refunded": refunded_cents,
        "currency": "usd", "payment_intent": intent})


def sign(payload, secret, timestamp=None):
    t = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={signature}"


def stripe_accepts(payload, header, secret):
    try:
        stripe.Webhook.construct_event(payload, header, secret)
        return True
    except stripe.SignatureVerificationError:
        return False


def post(payload, header):
    request = urllib.request.Request(URL, data=payload.encode(), method="POST",
                                     headers={"Stripe-Signature": header, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def deliver(payload, secret, expected_outcome, what):
    header = sign(payload, secret)
    check(stripe_accepts(payload, header, secret), f"{what}: Stripe's library accepts the signature")
    status, body = post(payload, header)
    check(status == 200 and body.get("outcome") == expected_outcome, f"{what}: 200 {expected_outcome}, got {status} {body}")
    return body


def refused(payload, header, what):
    status, body = post(payload, header)
    check(status == 400 and body.get("error", {}).get("code") == "invalid_signature", f"{what}: 400, got {status} {body}")


def main():
    valid = checkout("evt_valid", "alice", "starter", "pi_valid")
    deliver(valid, OLD, "applied", "a valid event")
    deliver(valid, OLD, "duplicate", "the same event again")

    # Tampered: signed, then the user changed. Stripe refuses it; so does the hub.
    header = sign(valid, OLD)
    tampered = valid.replace('"alice"', '"mallory"').replace("evt_valid", "evt_tampered")
    check(not stripe_accepts(tampered, header, OLD), "Stripe refuses a tampered event")
    refused(tampered, header, "a tampered event")

    # Stale: signed six minutes ago, beyond the five-minute tolerance.
    stale = checkout("evt_stale", "alice", "starter", "pi_stale")
    stale_header = sign(stale, OLD, timestamp=int(time.time()) - 360)
    check(not stripe_accepts(stale, stale_header, OLD), "Stripe refuses a stale event")
    refused(stale, stale_header, "a stale event")

    # Wrong secret: well-formed (Stripe accepts it under that secret), but not the hub's.
    wrong = checkout("evt_wrong", "alice", "starter", "pi_wrong")
    wrong_header = sign(wrong, WRONG)
    check(stripe_accepts(wrong, wrong_header, WRONG) and not stripe_accepts(wrong, wrong_header, OLD),
          "the wrong-secret event is well-formed")
    refused(wrong, wrong_header, "an event signed with another secret")

    # Rotation: while both secrets are configured, events signed with either are applied.
    deliver(checkout("evt_rot_old", "alice", "starter", "pi_rot_old"), OLD, "applied", "signed with the old secret")
    deliver(checkout("evt_rot_new", "alice", "starter", "pi_rot_new"), NEW, "applied", "signed with the new secret")

    # 50 concurrent deliveries of one event: one applies, 49 are duplicates.
    race = checkout("evt_race", "alice", "starter", "pi_race")
    race_header = sign(race, NEW)
    check(stripe_accepts(race, race_header, NEW), "Stripe accepts the raced event")
    with ThreadPoolExecutor(max_workers=50) as pool:
        replies = list(pool.map(lambda _: post(race, race_header), range(50)))
    outcomes = sorted(body.get("outcome") for status, body in replies if status == 200)
    check(len(outcomes) == 50, f"all 50 concurrent deliveries answered 200: {replies}")
    check(outcomes.count("applied") == 1 and outcomes.count("duplicate") == 49, f"one applied, 49 duplicates: {outcomes}")

    # Unknown user and unknown package: pending, then resolved by support from the CLI.
    unknown_user = deliver(checkout("evt_unknown_user", "carol", "starter", "pi_carol"), NEW, "pending", "an unknown user")
    unknown_package = deliver(checkout("evt_unknown_pkg", "alice", "platinum", "pi_platinum"), NEW, "pending",
                              "an unknown package")
    pending = json.loads(admin("payments", "list", "--pending", "--json"))
    check(sorted(p["event_id"] for p in pending) == ["evt_unknown_pkg", "evt_unknown_user"], f"two pending: {pending}")
    admin("payments", "resolve", str(unknown_user["payment"]), "--user", "bob")
    admin("payments", "resolve", str(unknown_package["payment"]), "--user", "alice", "--package", "starter")
    check(json.loads(admin("payments", "list", "--pending", "--json")) == [], "nothing pending after resolving")

    # A refund larger than what is left: dave buys 110 credits, spends 100, the payment is refunded.
    deliver(checkout("evt_dave", "dave", "starter", "pi_dave"), NEW, "applied", "dave's purchase")
    admin("users", "deduct", "dave", "100", "--reason", "spent on usage")
    body = deliver(refund("evt_dave_refund", "pi_dave", 1000), NEW, "applied", "dave's refund")
    listed = [p for p in json.loads(admin("payments", "list", "--json")) if p["event_id"] == "evt_dave_refund"]
    check(listed and listed[0]["credits"] == "10" and listed[0]["owed"] == "100", f"10 taken back, 100 owed: {listed}")
    print(json.dumps({"resolved": [unknown_user["payment"], unknown_package["payment"]], "refund": body["payment"]}))


def after_rotation():
    old = checkout("evt_after_old", "alice", "starter", "pi_after_old")
    header = sign(old, OLD)
    check(stripe_accepts(old, header, OLD), "the old-secret event is well-formed")
    refused(old, header, "an event signed with the removed secret")
    deliver(checkout("evt_after_new", "alice", "starter", "pi_after_new"), NEW, "applied", "signed with the new secret")


{"main": main, "after-rotation": after_rotation}[sys.argv[1]]()
