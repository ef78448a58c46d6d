#!/usr/bin/env python3
"""One base URL for the Lambda functions under `cargo lambda watch`.

API Gateway's HTTP API routes by path to one function per endpoint group (template.yaml);
`cargo lambda watch` serves each function at /lambda-url/<bin>/<path>. This proxy applies the
template's own HttpApi routes (read from template.yaml, so a route missing there is missing
here too) so the black-box suite can use a single base URL. Usage:

    route.py <listen-port> <watch-port>    (prints "listening on <port>" once ready)
"""
import http.client
import http.server
import os
import sys

import yaml

TEMPLATE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "template.yaml")
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "proxy-connection", "content-length"}


class _CfnLoader(yaml.SafeLoader):
    """Reads template.yaml; CloudFormation's short-form tags (!Ref, !Sub, …) become plain values."""


_CfnLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def load_routes(template=TEMPLATE):
    """The HttpApi events of template.yaml: [(path, method, binary)]."""
    with open(template) as f:
        doc = yaml.load(f, Loader=_CfnLoader)
    routes = []
    for resource in doc["Resources"].values():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        binary = resource["Metadata"]["BuildProperties"]["Binary"]
        for event in (resource["Properties"].get("Events") or {}).values():
            if event.get("Type") == "HttpApi":
                routes.append((event["Properties"]["Path"], event["Properties"].get("Method", "ANY").upper(), binary))
    return routes


ROUTES = load_routes()


def function_for(method, path):
    """API Gateway HTTP API route selection: an exact path beats a greedy `{proxy+}` route, the
    longest greedy prefix wins, and a route only matches its method (or ANY)."""
    exact = [r for r in ROUTES if "{proxy+}" not in r[0] and r[0] == path]
    greedy = sorted(
        (r for r in ROUTES if r[0].endswith("/{proxy+}") and path.startswith(r[0][: -len("{proxy+}")])
         and len(path) > len(r[0]) - len("{proxy+}")),
        key=lambda r: -len(r[0]),
    )
    for candidates in (exact, greedy):
        for route_path, route_method, binary in candidates:
            if route_method in ("ANY", method):
                return binary
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    watch_port = 9000

    def log_message(self, fmt, *args):
        pass

    def proxy(self):
        path, _, query = self.path.partition("?")
        function = function_for(self.command, path)
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
            # `cargo lambda watch --disable-cors` adds no CORS headers: these are the function's.
            out = [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP_BY_HOP]
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
