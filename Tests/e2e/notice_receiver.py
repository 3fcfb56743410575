"""A small HTTP receiver of the hub's notices, for the outbox test.

Usage: notice_receiver.py PORT SECRET LOG. Listens on 127.0.0.1:PORT, checks each POST's
X-Signature (sha256=HMAC(SECRET, body)) and appends one JSON line per delivery to LOG:
{"id", "type", "header_id", "valid"}. Prints "listening" once ready. Answers 200 to every POST.
"""
import hashlib
import hmac
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, SECRET, LOG = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3]


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        expected = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
        valid = hmac.compare_digest(expected, self.headers.get("X-Signature", ""))
        notice = json.loads(body)
        with open(LOG, "a") as log:
            log.write(json.dumps({"id": notice["id"], "type": notice["type"], "valid": valid,
                                  "header_id": self.headers.get("X-AIGNE-Hub-Notice-Id")}) + "\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", PORT), Receiver)
print("listening", flush=True)
server.serve_forever()
