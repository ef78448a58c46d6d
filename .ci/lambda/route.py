#!/usr/bin/env python3
"""One base URL for the Lambda functions under `cargo lambda watch`.

API Gateway's HTTP API routes by path to one function per endpoint group (template.yaml);
`cargo lambda watch` serves each function at /lambda-url/<bin>/<path>. This proxy applies the
template's routes so the black-box suite can use a single base URL. Usage:

    route.py <listen-port> <watch-port>    (prints "listening on <port>" once ready)
"""
import http.client
import http.server
import re
import sys

# The HttpApi's routes, in template.yaml's terms. API Gateway picks the most specific route:
# the group routes below win over the catch-all /api/{proxy+}.
ROUTES = [
    (re.compile(r"^/oidc/.+"), "oidc"),
    (re.compile(r"^/consent(/.+)?$"), "oidc"),
    (re.compile(r"^/api/(experience|interaction|my-account|verifications)(/.+)?$"), None),
    (re.compile(r"^/sign-in(/.+)?$"), "experience"),
    (re.compile(r"^/(register|forgot-password|reset-password|identifier-sign-in|identifier-register|single-sign-on)$"), "experience"),
    (re.compile(r"^/direct/.+"), "experience"),
    (re.compile(r"^/api/.+"), "management"),
]
GROUP_OF_API = {"experience": "experience", "interaction": "experience", "my-account": "account", "verifications": "account"}
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "proxy-connection", "content-length"}


def function_for(path):
    for pattern, group in ROUTES:
        m = pattern.match(path)
        if m:
            return group or GROUP_OF_API[m.group(1)]
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    watch_port = 9000

    def log_message(self, fmt, *args):
        pass

    def proxy(self):
        path, _, query = self.path.partition("?")
        function = function_for(path)
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        if function is None:
            # What API Gateway answers for a path no route matches.
            self.reply(404, [("content-type", "application/json")], b'{"message":"Not Found"}')
            return
        target = f"/lambda-url/{function}{path}" + (f"?{query}" if query else "")
        conn = http.client.HTTPConnection("127.0.0.1", self.watch_port, timeout=120)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        try:
            conn.request(self.command, target, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            # `cargo lambda watch` adds CORS headers of its own; API Gateway would not.
            out = [(k, v) for k, v in resp.getheaders()
                   if k.lower() not in HOP_BY_HOP and not k.lower().startswith("access-control-")
                   and not (k.lower() == "vary" and "origin" in v.lower())]
            self.reply(resp.status, out, data)
        except OSError as e:
            self.reply(502, [("content-type", "text/plain")], f"lambda proxy: {e}".encode())
        finally:
            conn.close()

    def reply(self, status, headers, data):
        self.send_response_only(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = proxy


def main():
    listen, watch = int(sys.argv[1]), int(sys.argv[2])
    Handler.watch_port = watch
    server = http.server.ThreadingHTTPServer(("127.0.0.1", listen), Handler)
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
