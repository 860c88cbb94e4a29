#!/usr/bin/python3
"""Container credentials endpoint for tests, on 127.0.0.1 only.

Prints the port it listens on, then serves until stdin closes:
  GET /creds?id=ID&mode=MODE[&token=T][&expiration=RFC3339][&step=SECONDS]
      mode good: credentials numbered by the request count of ID, whose
      Expiration is expiration + step * (count - 1);
      mode goodonce: good for the first request, then as mode error;
      mode badjson: a truncated document; mode error: HTTP 500;
      mode missing: a document without SecretAccessKey.
      With token, the Authorization header must equal it (else HTTP 401);
      with tokenprefix, it must equal the prefix and the request count.
  GET /count?id=ID returns {"count": N}, the /creds requests made for ID.
"""
import datetime
import http.server
import json
import sys
import threading
import urllib.parse

counts = {}
lock = threading.Lock()


def shift(expiration, seconds):
    moment = datetime.datetime.strptime(expiration, "%Y-%m-%dT%H:%M:%SZ")
    moment += datetime.timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        key = query.get("id", "")
        if url.path == "/count":
            with lock:
                self.reply(200, {"count": counts.get(key, 0)})
            return
        if url.path != "/creds":
            self.reply(404, {"code": "NotFound", "message": "no such path"})
            return

        with lock:
            counts[key] = counts.get(key, 0) + 1
            count = counts[key]
        token = query.get("token")
        if "tokenprefix" in query:
            token = query["tokenprefix"] + str(count)
        if token is not None and self.headers.get("Authorization") != token:
            self.reply(401, {"code": "AccessDenied", "message": "authorization token rejected"})
            return

        mode = query.get("mode", "good")
        if mode == "error" or (mode == "goodonce" and count > 1):
            self.reply(500, {"code": "InternalError", "message": "credentials unavailable"})
        elif mode == "badjson":
            self.reply(200, '{"AccessKeyId": "ASIABAD", "SecretAccessKey": "LEAKED-SECRET')
        elif mode == "missing":
            self.reply(200, {"AccessKeyId": "ASIAMISSING", "Token": "t"})
        else:
            expiration = shift(query.get("expiration", "2030-01-01T01:00:00Z"),
                               int(query.get("step", "0")) * (count - 1))
            self.reply(200, {
                "AccessKeyId": "ASIA%s%d" % (key.upper(), count),
                "SecretAccessKey": "secret-%d" % count,
                "Token": "token-%d" % count,
                "Expiration": expiration,
            })


def main():
    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
