"""Rate limits through the official OpenAI Python client (issue 12).

Environment: HUB_URL (the hub's base URL ending in /v1), RPM_KEY (a key limited to 4 requests and
100,000 tokens a minute), SLOW_KEY (a key limited to 1 concurrent request; the mock answers in
about a second). Exits non-zero, naming the failed check. Prints the Retry-After it honoured.
"""
import os
import re
import sys
import threading
import time

import openai
from openai import OpenAI

URL = os.environ["HUB_URL"]
messages = [{"role": "user", "content": "say something short please"}]
checks = 0


def check(condition, what):
    global checks
    checks += 1
    if not condition:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)


DURATION = re.compile(r"^(\d+m)?(\d+(\.\d+)?s|\d+ms)$")

# Requests per minute: OpenAI's headers on every answer, read with with_raw_response.
client = OpenAI(base_url=URL, api_key=os.environ["RPM_KEY"], max_retries=0, timeout=30)
token_remaining = []
for index in range(4):
    raw = client.chat.completions.with_raw_response.create(model="mock-model", messages=messages, max_tokens=5)
    headers = raw.headers
    check(headers.get("x-ratelimit-limit-requests") == "4", f"limit-requests: {dict(headers)}")
    check(headers.get("x-ratelimit-remaining-requests") == str(3 - index),
          f"call {index}: remaining-requests {headers.get('x-ratelimit-remaining-requests')}")
    check(DURATION.match(headers.get("x-ratelimit-reset-requests", "")), f"reset-requests: {headers.get('x-ratelimit-reset-requests')}")
    check(headers.get("x-ratelimit-limit-tokens") == "100000", f"limit-tokens: {dict(headers)}")
    check(DURATION.match(headers.get("x-ratelimit-reset-tokens", "")), f"reset-tokens: {headers.get('x-ratelimit-reset-tokens')}")
    token_remaining.append(int(headers["x-ratelimit-remaining-tokens"]))
    completion = raw.parse()
    check(completion.choices[0].message.content, f"call {index}: a completion")
check(token_remaining[0] == 100000, f"no tokens used before the first call: {token_remaining}")
check(all(a > b for a, b in zip(token_remaining, token_remaining[1:])), f"remaining tokens fall call by call: {token_remaining}")

try:
    client.chat.completions.create(model="mock-model", messages=messages, max_tokens=5)
    check(False, "the fifth call in a minute was served")
except openai.RateLimitError as error:
    check(error.status_code == 429, f"status {error.status_code}")
    check(error.code == "rate_limit_exceeded", f"code {error.code!r}")
    retry_after = int(error.response.headers.get("retry-after", "0"))
    check(1 <= retry_after <= 60, f"Retry-After {retry_after}")
    check(error.response.headers.get("x-ratelimit-remaining-requests") == "0", f"{dict(error.response.headers)}")
    check("4 requests per minute" in error.message, f"message names the limit: {error.message}")

# Concurrency: a refused call says when to retry, and the client's own retry honours it.
slow_key = os.environ["SLOW_KEY"]
holder = OpenAI(base_url=URL, api_key=slow_key, max_retries=0, timeout=30)
busy = threading.Event()


def hold_the_slot():
    busy.set()
    holder.chat.completions.create(model="mock-model", messages=messages, max_tokens=5)


thread = threading.Thread(target=hold_the_slot, daemon=True)
thread.start()
busy.wait(10)
probe = OpenAI(base_url=URL, api_key=slow_key, max_retries=0, timeout=30)
refused = None
deadline = time.monotonic() + 20
while refused is None and time.monotonic() < deadline:
    try:
        probe.chat.completions.create(model="mock-model", messages=messages, max_tokens=5)
        thread.join(30)
        thread = threading.Thread(target=hold_the_slot, daemon=True)
        thread.start()
        busy.wait(10)
    except openai.RateLimitError as error:
        refused = error
check(refused is not None, "a second concurrent call was never refused")
check(refused.response.headers.get("retry-after") == "1", f"Retry-After {refused.response.headers.get('retry-after')}")
check(refused.code == "rate_limit_exceeded", f"code {refused.code!r}")
check("1 concurrent requests" in refused.message, f"message names the limit: {refused.message}")

# The slot is taken for about two seconds more: the client waits Retry-After and tries again.
patient = OpenAI(base_url=URL, api_key=slow_key, max_retries=5, timeout=30)
started = time.monotonic()
reply = patient.chat.completions.with_raw_response.create(model="mock-model", messages=messages, max_tokens=5)
elapsed = time.monotonic() - started
check(reply.parse().choices[0].message.content, "the retried call is served")
retries = int(reply.http_request.headers.get("x-stainless-retry-count", "0"))
check(retries >= 1, f"the client retried after the refusal ({retries} retries)")
check(elapsed >= 0.9, f"and waited Retry-After first ({elapsed:.2f} s)")
thread.join(30)
print(f"ok: {checks} checks; the patient call was retried {retries} times in {elapsed:.2f} s")
