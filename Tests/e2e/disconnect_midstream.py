"""Starts a streamed chat completion, reads until the second token arrives, then hangs up.

Environment: HUB_HOST, HUB_PORT, HUB_KEY. Prints the request id the hub gave (x-request-id).
"""
import os
import socket
import sys

body = ('{"model":"mock-model","stream":true,"max_tokens":40,'
        '"messages":[{"role":"user","content":"say something short please"}]}')
request = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: {os.environ['HUB_HOST']}\r\n"
           f"Authorization: Bearer {os.environ['HUB_KEY']}\r\nContent-Type: application/json\r\n"
           f"Content-Length: {len(body)}\r\n\r\n{body}")
connection = socket.create_connection((os.environ["HUB_HOST"], int(os.environ["HUB_PORT"])), timeout=10)
connection.sendall(request.encode())
received = b""
while b"tok1 " not in received:
    chunk = connection.recv(4096)
    if not chunk:
        print("stream ended before the second token", file=sys.stderr)
        sys.exit(1)
    received += chunk
connection.close()
for line in received.decode(errors="replace").split("\r\n"):
    if line.lower().startswith("x-request-id:"):
        print(line.split(":", 1)[1].strip())
        sys.exit(0)
print("no x-request-id header", file=sys.stderr)
sys.exit(1)
