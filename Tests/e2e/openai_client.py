"""End-to-end check of the hub with the official OpenAI Python client.

Environment: HUB_URL (the hub's base URL ending in /v1), HUB_KEY (a funded user's key),
HUB_POOR_KEY (a user with no credits), HUB_SUSPENDED_KEY (a suspended user's key),
HUB_REVOKED_KEY (a revoked key), PAYMENT_LINK (the hub's payment link).
Exits non-zero, naming the failed check, if anything is not as the OpenAI API would have it.
"""
import os
import sys

import openai
from openai import OpenAI

URL = os.environ["HUB_URL"]
client = OpenAI(base_url=URL, api_key=os.environ["HUB_KEY"], max_retries=0, timeout=30)
checks = 0


def check(condition, what):
    global checks
    checks += 1
    if not condition:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)


def expect_error(call, status, what, contains=None):
    try:
        call()
    except openai.APIStatusError as error:
        check(error.status_code == status, f"{what}: status {error.status_code}, expected {status} ({error.message})")
        body = error.body if isinstance(error.body, dict) else {}
        check("message" in body and "type" in body, f"{what}: OpenAI error JSON, got {error.body!r}")
        if contains:
            check(contains in error.message, f"{what}: message {error.message!r} should name {contains!r}")
        return
    check(False, f"{what}: no error raised")


messages = [{"role": "user", "content": "say something short please"}]

# Models: priced models with the hub's price.
models = client.models.list()
ids = [m.id for m in models.data]
check("mock/mock-model" in ids, f"models lists mock/mock-model: {ids}")

# Chat, plain, bare name and provider/model.
reply = client.chat.completions.create(model="mock-model", messages=messages, max_tokens=7)
check(reply.choices[0].message.content.startswith("tok0"), f"chat content: {reply}")
check(reply.usage.completion_tokens == 7, f"chat usage: {reply.usage}")
check(reply.usage.prompt_tokens == 3 + 4, f"prompt tokens: {reply.usage}")
reply = client.chat.completions.create(model="mock/mock-model", messages=messages, max_tokens=3)
check(reply.usage.completion_tokens == 3, "provider/model routing")

# Streaming, with and without the usage chunk.
chunks = list(client.chat.completions.create(model="mock-model", messages=messages, max_tokens=5, stream=True))
text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
check(text.split() == [f"tok{i}" for i in range(5)], f"streamed text: {text!r}")
check(all(c.usage is None for c in chunks), "no usage chunk unless asked")
chunks = list(client.chat.completions.create(model="mock-model", messages=messages, max_tokens=4, stream=True,
                                             stream_options={"include_usage": True}))
check(chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 4, f"usage chunk: {chunks[-1]}")

# Anthropic provider behind the same API, plain and streaming.
if os.environ.get("HUB_ANTHROPIC") == "1":
    reply = client.chat.completions.create(
        model="claude/claude-mock", max_tokens=6,
        messages=[{"role": "system", "content": "be brief"}, *messages])
    check(reply.choices[0].message.content.split() == [f"tok{i}" for i in range(6)], f"anthropic chat: {reply}")
    check(reply.usage.completion_tokens == 6 and reply.usage.prompt_tokens == 2 + 4 + 3,
          f"anthropic usage: {reply.usage}")
    check(reply.choices[0].finish_reason == "stop", "anthropic finish reason")
    chunks = list(client.chat.completions.create(model="claude-mock", messages=messages, max_tokens=5, stream=True,
                                                 stream_options={"include_usage": True}))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    check(text.split() == [f"tok{i}" for i in range(5)], f"anthropic stream text: {text!r}")
    check(chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 5, f"anthropic usage chunk: {chunks[-1]}")

# Embeddings.
embedding = client.embeddings.create(model="mock-embed", input=["one two three", "four"])
check(len(embedding.data) == 2 and len(embedding.data[0].embedding) == 8, f"embeddings: {embedding}")
check(embedding.usage.prompt_tokens == 4, f"embedding usage: {embedding.usage}")

# Errors, each with the right status and OpenAI's error JSON.
expect_error(lambda: OpenAI(base_url=URL, api_key="ahk_wrong", max_retries=0).chat.completions.create(
    model="mock-model", messages=messages), 401, "bad key")
expect_error(lambda: OpenAI(base_url=URL, api_key=os.environ["HUB_REVOKED_KEY"], max_retries=0).chat.completions.create(
    model="mock-model", messages=messages), 401, "revoked key", contains="revoked")
expect_error(lambda: OpenAI(base_url=URL, api_key=os.environ["HUB_SUSPENDED_KEY"], max_retries=0).chat.completions.create(
    model="mock-model", messages=messages), 403, "suspended user", contains="suspended")
expect_error(lambda: OpenAI(base_url=URL, api_key=os.environ["HUB_POOR_KEY"], max_retries=0).chat.completions.create(
    model="mock-model", messages=messages), 402, "no credits", contains=os.environ["PAYMENT_LINK"])
expect_error(lambda: client.chat.completions.create(model="no-such-model", messages=messages), 404, "unknown model")
expect_error(lambda: client.chat.completions.create(model="mock/unpriced", messages=messages), 404, "unpriced model",
             contains="no rate")
expect_error(lambda: client.chat.completions.create(model="", messages=messages), 400, "missing model")
expect_error(lambda: client.chat.completions.create(model="mock-model", messages=messages, max_tokens=-3), 400,
             "bad max_tokens")
expect_error(lambda: client.chat.completions.create(model="mock-model", messages=[{"role": "user", "content": "x" * (5 << 20)}]),
             413, "body over the limit")
print(f"ok: {checks} checks")
