"""The user's side of billing, read through the official OpenAI Python client.

Every charged answer carries x-aigne-hub-balance (the credits left) and, under the low-balance
threshold, x-aigne-hub-balance-low: true; GET /v1/billing/balance agrees with them; a redemption
code adds its value once.

Environment: HUB_URL (base URL ending in /v1), HUB_KEY (a user with a little credit), THRESHOLD
(the hub's low-balance threshold), CODE and CODE_VALUE (an unused redemption code and its credits).
Exits non-zero naming the failed check.
"""
import json
import os
import sys
import time
import urllib.error
import urllib.request
from decimal import Decimal

from openai import OpenAI

URL = os.environ["HUB_URL"]
KEY = os.environ["HUB_KEY"]
THRESHOLD = Decimal(os.environ["THRESHOLD"])
client = OpenAI(base_url=URL, api_key=KEY, max_retries=0, timeout=30)


class Reply:
    def __init__(self, status, text):
        self.status_code, self.text = status, text

    def json(self):
        return json.loads(self.text)


def request(method, path, body=None, key=KEY):
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    data = json.dumps(body).encode() if body is not None else None
    call = urllib.request.Request(URL + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(call, timeout=30) as response:
            return Reply(response.status, response.read().decode())
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.read().decode())


def check(condition, what):
    if not condition:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)


def chat(stream=False):
    """One charged call; returns (balance header, low header)."""
    if stream:
        with client.chat.completions.with_streaming_response.create(
                model="mock-model", max_tokens=10, stream=True, messages=[{"role": "user", "content": "hi"}]) as raw:
            for _ in raw.iter_lines():
                pass
            return raw.headers.get("x-aigne-hub-balance"), raw.headers.get("x-aigne-hub-balance-low")
    raw = client.chat.completions.with_raw_response.create(
        model="mock-model", max_tokens=10, messages=[{"role": "user", "content": "say something"}])
    check(raw.parse().choices[0].message.content, "the answer parses as a chat completion")
    return raw.headers.get("x-aigne-hub-balance"), raw.headers.get("x-aigne-hub-balance-low")


def settled_balance(expected):
    """GET /v1/billing/balance once the writer committed the last charge (polled, with a deadline)."""
    deadline = time.monotonic() + 10
    while True:
        body = request("GET", "/billing/balance").json()
        if Decimal(body["balance"]) == expected or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


previous = None
seen_low = False
for call in range(200):
    balance, low = chat(stream=(call % 3 == 2))
    check(balance is not None, f"call {call}: the answer carries x-aigne-hub-balance")
    value = Decimal(balance)
    if previous is not None:
        check(value < previous, f"call {call}: the balance went down ({previous} -> {value})")
    check((low == "true") == (value < THRESHOLD), f"call {call}: low flag {low!r} with balance {value} and threshold {THRESHOLD}")
    previous = value
    if call % 3 != 2:
        # A plain answer's figure is exact: the balance endpoint agrees once the charge is committed.
        body = settled_balance(value)
        check(Decimal(body["balance"]) == value, f"call {call}: /billing/balance {body['balance']} == header {value}")
        check(body["low"] == (value < THRESHOLD), f"call {call}: /billing/balance low {body['low']}")
        check(body["last_charges"][0]["kind"] == "usage", "the last charge is the usage just made")
    if low == "true":
        seen_low = True
        break
check(seen_low, "the balance fell under the threshold within 200 calls")

# A redemption code lifts the balance; the next answer is no longer low.
before = Decimal(settled_balance(previous)["balance"])
reply = request("POST", "/billing/redeem", {"code": os.environ["CODE"].lower()})
check(reply.status_code == 200, f"redeem: 200, got {reply.status_code} {reply.text}")
check(Decimal(reply.json()["balance"]) == before + Decimal(os.environ["CODE_VALUE"]), f"redeem adds the value: {reply.text}")
again = request("POST", "/billing/redeem", {"code": os.environ["CODE"]})
check(again.status_code == 409 and again.json()["error"]["code"] == "code_not_redeemable", f"a used code: 409, got {again.text}")
unknown = request("POST", "/billing/redeem", {"code": "AHR-0000-0000-0000-0000"})
check(unknown.status_code == 404, f"an unknown code: 404, got {unknown.status_code}")
deadline = time.monotonic() + 10
while True:
    balance, low = chat()
    if Decimal(balance) > before or time.monotonic() > deadline:
        break
check(Decimal(balance) > THRESHOLD and low is None, f"after redeeming: balance {balance}, low {low!r}")
check(request("GET", "/billing/balance", key=None).status_code == 401, "the balance needs a key")
print("ok")
