"""A socket planted where a hub's admin.sock should be: it pretends to be a hub and records
everything a client sends it.

Usage: planted_listener.py    (listens on the bound Unix socket passed as its fd 0)

Prints "ready" once listening, then one JSON line per event as it happens:
{"connection": N} when a client connects, {"received": "<text>"} for what it sends. Every
request line gets a JSON-RPC result, so a client that trusts it goes on to send its next call
(credentials.add, with the secret). Runs until killed.
"""
import json
import os
import select
import socket

listener = socket.socket(fileno=os.dup(0))
listener.listen(16)
print("ready", flush=True)

connections = 0
clients = []


def report(**event):
    print(json.dumps(event), flush=True)


while True:
    readable, _, _ = select.select([listener] + clients, [], [], 0.1)
    for ready in readable:
        if ready is listener:
            client, _ = listener.accept()
            clients.append(client)
            connections += 1
            report(connection=connections)
            continue
        data = ready.recv(65536)
        if not data:
            clients.remove(ready)
            ready.close()
            continue
        report(received=data.decode("utf-8", "replace"))
        for line in data.split(b"\n"):
            if not line.strip():
                continue
            try:
                ident = json.loads(line).get("id", 0)
            except ValueError:
                ident = 0
            answer = {"jsonrpc": "2.0", "id": ident, "result": {"running": True}}
            ready.sendall(json.dumps(answer).encode() + b"\n")
