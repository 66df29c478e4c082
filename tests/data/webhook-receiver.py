#!/usr/bin/env python3
"""webhook-receiver.py OUTDIR -- a webhook receiver on 127.0.0.1 for tests: prints its port,
then records each POST as OUTDIR/N.json (the body) and OUTDIR/N.headers (the request headers
as one JSON object) and answers 200, or 500 under /fail."""
import http.server
import json
import os
import sys

out = sys.argv[1]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        n = len([f for f in os.listdir(out) if f.endswith(".json")]) + 1
        with open(os.path.join(out, "%d.headers" % n), "w") as f:
            json.dump({k.lower(): v for k, v in self.headers.items()}, f)
        with open(os.path.join(out, "%d.json" % n), "wb") as f:
            f.write(body)
        self.send_response(500 if self.path.startswith("/fail") else 200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
