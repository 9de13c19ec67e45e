#!/usr/bin/env python3
"""A small stand-in Kubernetes API server for wharfd's tests: Nodes only.

HTTPS (a self-signed certificate made here with the openssl CLI) with a bearer token; GET
/api/v1/nodes (limit/continue pages at one resourceVersion), GET /api/v1/nodes/NAME, watches
(watch=1: one JSON event a line, ADDED/MODIFIED/DELETED, BOOKMARK with allowWatchBookmarks, 410 Gone
for a resourceVersion older than the compaction point, as an HTTP status on start and as an ERROR
event to open watches), PATCH /api/v1/nodes/NAME/status (conditions merged by type), and 401/403/404
answers shaped as the real server's Status objects.

The test drives it through a unix socket, DIR/control.sock: one JSON command a line, one JSON answer
a line (see Control.handle). Everything it writes lives in DIR: ca.crt, server.key, token,
kubeconfig. Prints "ready PORT" once it serves.
"""
import argparse
import base64
import bisect
import copy
import datetime
import http.server
import json
import os
import secrets
import socket
import socketserver
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid


def now_text():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def status_object(code, reason, message):
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}


def write_atomically(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


class State:
    """The nodes, the event history and what the test set; one lock, one condition for watchers."""

    def __init__(self, bookmark_interval):
        self.cond = threading.Condition()
        self.nodes = {}           # name -> node object (replaced, never changed in place)
        self.rv = 1
        self.events = []          # (rv, type, object), rv ascending
        self.event_rvs = []
        self.compact_rv = 0       # a watch from below this is 410 Gone
        self.compactions = 0      # open watches seeing this change get an ERROR 410
        self.closings = 0         # open watches seeing this change end
        self.held = False
        self.fail_count = 0
        self.fail_status = 500
        self.token = ""
        self.snapshots = {}       # continue id -> (rv, [node objects sorted by name])
        self.bookmark_interval = bookmark_interval
        self.counters = {"lists": 0, "list_pages": 0, "watches": 0, "gets": 0, "patches": 0, "unauthorized": 0,
                         "injected_failures": 0, "bookmarks": 0, "gone": 0, "forbidden": 0, "not_found": 0}

    # Callers hold self.cond.
    def record(self, kind, obj):
        self.events.append((self.rv, kind, obj))
        self.event_rvs.append(self.rv)
        self.cond.notify_all()

    def put(self, obj):
        obj = copy.deepcopy(obj)
        meta = obj.setdefault("metadata", {})
        name = meta["name"]
        old = self.nodes.get(name)
        self.rv += 1
        meta.setdefault("uid", old["metadata"]["uid"] if old else str(uuid.uuid4()))
        meta.setdefault("creationTimestamp", old["metadata"]["creationTimestamp"] if old else now_text())
        meta["resourceVersion"] = str(self.rv)
        obj.setdefault("kind", "Node")
        obj.setdefault("apiVersion", "v1")
        self.nodes[name] = obj
        self.record("MODIFIED" if old else "ADDED", obj)
        return obj

    def delete(self, name):
        old = self.nodes.pop(name, None)
        if old is None:
            return False
        self.rv += 1
        gone = copy.deepcopy(old)
        gone["metadata"]["resourceVersion"] = str(self.rv)
        self.record("DELETED", gone)
        return True

    def compact(self):
        self.rv += 1
        self.compact_rv = self.rv
        cut = bisect.bisect_left(self.event_rvs, self.compact_rv)
        del self.events[:cut]
        del self.event_rvs[:cut]
        self.snapshots.clear()
        self.compactions += 1
        self.cond.notify_all()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"   # every answer ends with the connection: a watch streams until close
    state = None                    # set by main

    def log_message(self, fmt, *args):
        pass

    def send_json(self, code, obj, headers=None):
        body = (json.dumps(obj) + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def fail(self, code, reason, message, counter=None, headers=None):
        if counter:
            with self.state.cond:
                self.state.counters[counter] += 1
        self.send_json(code, status_object(code, reason, message), headers)

    def admitted(self):
        """Injected failures, then the bearer token; False when an answer was sent."""
        s = self.state
        with s.cond:
            if s.fail_count > 0:
                s.fail_count -= 1
                s.counters["injected_failures"] += 1
                status = s.fail_status
            else:
                status = 0
            token = s.token
        if status:
            headers = {"Retry-After": "1"} if status in (429, 503) else None
            reason = "TooManyRequests" if status == 429 else "InternalError"
            self.fail(status, reason, "injected failure " + str(status), headers=headers)
            return False
        if self.headers.get("Authorization", "") != "Bearer " + token:
            self.fail(401, "Unauthorized", "Unauthorized", "unauthorized")
            return False
        return True

    def route(self):
        url = urllib.parse.urlsplit(self.path)
        parts = [p for p in url.path.split("/") if p]
        query = urllib.parse.parse_qs(url.query)
        return parts, {k: v[-1] for k, v in query.items()}

    def forbidden(self, verb, resource):
        self.fail(403, "Forbidden", 'nodes is forbidden: User "system:serviceaccount:kube-system:wharfd" cannot %s '
                  'resource "%s" in API group "" at the cluster scope' % (verb, resource), "forbidden")

    def do_GET(self):
        if not self.admitted():
            return
        parts, query = self.route()
        if parts[:2] != ["api", "v1"] or len(parts) < 3:
            return self.fail(404, "NotFound", "the server could not find the requested resource", "not_found")
        if parts[2] != "nodes":
            return self.forbidden("list", parts[2])
        if len(parts) == 3:
            if query.get("watch") in ("1", "true"):
                return self.watch(query)
            return self.list(query)
        if len(parts) == 4:
            with self.state.cond:
                self.state.counters["gets"] += 1
                obj = self.state.nodes.get(parts[3])
            if obj is None:
                return self.fail(404, "NotFound", 'nodes "%s" not found' % parts[3], "not_found")
            return self.send_json(200, obj)
        return self.fail(404, "NotFound", "the server could not find the requested resource", "not_found")

    def list(self, query):
        s = self.state
        try:
            limit = int(query.get("limit", "0"))
        except ValueError:
            return self.fail(400, "BadRequest", "limit is not a number")
        token = query.get("continue")
        with s.cond:
            s.counters["list_pages"] += 1
            if token:
                try:
                    ref = json.loads(base64.b64decode(token))
                    snap = s.snapshots[ref["id"]]
                    start = int(ref["start"])
                except (ValueError, KeyError, TypeError):
                    s.counters["gone"] += 1
                    snap = None
                if snap is None:
                    return self.fail(410, "Expired", "The provided continue parameter is too old to display a "
                                     "consistent list result. You can start a new list without the continue parameter.")
            else:
                s.counters["lists"] += 1
                snap = (s.rv, [s.nodes[n] for n in sorted(s.nodes)])
                start = 0
            rv, items = snap
            end = len(items) if limit <= 0 else min(len(items), start + limit)
            meta = {"resourceVersion": str(rv)}
            if end < len(items):
                snap_id = secrets.token_hex(8)
                s.snapshots[snap_id] = snap
                meta["continue"] = base64.b64encode(json.dumps({"id": snap_id, "start": end}).encode()).decode()
                meta["remainingItemCount"] = len(items) - end
            page = items[start:end]
        body = {"kind": "NodeList", "apiVersion": "v1", "metadata": meta,
                "items": [{k: v for k, v in o.items() if k not in ("kind", "apiVersion")} for o in page]}
        self.send_json(200, body)

    def watch(self, query):
        s = self.state
        bookmarks = query.get("allowWatchBookmarks") in ("1", "true")
        try:
            timeout = float(query.get("timeoutSeconds", "1800"))
            start = query.get("resourceVersion", "")
            cursor = int(start) if start not in ("", "0") else None
        except ValueError:
            return self.fail(400, "BadRequest", "resourceVersion or timeoutSeconds is not a number")
        initial = []
        with s.cond:
            s.counters["watches"] += 1
            if cursor is not None and cursor < s.compact_rv:
                s.counters["gone"] += 1
                return self.fail(410, "Expired", "too old resource version: %d (%d)" % (cursor, s.compact_rv))
            if cursor is None:
                cursor = s.rv
                initial = [("ADDED", s.nodes[n]) for n in sorted(s.nodes)]
            closings, compactions = s.closings, s.compactions
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        deadline = time.monotonic() + timeout
        last_sent = time.monotonic()
        try:
            self.send_events(initial)
            while True:
                out = []
                with s.cond:
                    while True:
                        now = time.monotonic()
                        if s.closings != closings or now >= deadline:
                            return
                        if not s.held:
                            if s.compactions != compactions:
                                s.counters["gone"] += 1
                                error = status_object(410, "Expired", "too old resource version: %d (%d)"
                                                      % (cursor, s.compact_rv))
                                out = [("ERROR", error)]
                                break
                            at = bisect.bisect_right(s.event_rvs, cursor)
                            if at < len(s.events):
                                out = [(kind, obj) for _, kind, obj in s.events[at:]]
                                cursor = s.events[-1][0]
                                break
                            if bookmarks and now - last_sent >= s.bookmark_interval:
                                cursor = s.rv
                                s.counters["bookmarks"] += 1
                                out = [("BOOKMARK", {"kind": "Node", "apiVersion": "v1",
                                                     "metadata": {"resourceVersion": str(s.rv)}})]
                                break
                        s.cond.wait(min(deadline - now, s.bookmark_interval))
                self.send_events(out)
                last_sent = time.monotonic()
                if out and out[0][0] == "ERROR":
                    return
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            return

    def send_events(self, events):
        if events:
            self.wfile.write("".join(json.dumps({"type": k, "object": o}) + "\n" for k, o in events).encode())
            self.wfile.flush()

    def do_PATCH(self):
        if not self.admitted():
            return
        parts, _ = self.route()
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if parts[:3] != ["api", "v1", "nodes"] or len(parts) not in (4, 5):
            return self.forbidden("patch", parts[2] if len(parts) > 2 else "")
        if len(parts) == 4 or parts[4] != "status":
            return self.forbidden("patch", "nodes")
        kind = self.headers.get("Content-Type", "")
        if kind not in ("application/strategic-merge-patch+json", "application/merge-patch+json"):
            return self.fail(415, "UnsupportedMediaType", "the body of the request was in an unknown format: " + kind)
        try:
            patch = json.loads(body)
            status_patch = patch.get("status", {})
            assert isinstance(status_patch, dict)
        except (ValueError, AssertionError, AttributeError):
            return self.fail(400, "BadRequest", "the patch is not a JSON object with a status object")
        s = self.state
        with s.cond:
            s.counters["patches"] += 1
            old = s.nodes.get(parts[3])
            if old is None:
                return self.fail(404, "NotFound", 'nodes "%s" not found' % parts[3], "not_found")
            new = copy.deepcopy(old)
            status = new.setdefault("status", {})
            for key, value in status_patch.items():
                if key == "conditions" and kind.startswith("application/strategic"):
                    merged = {c["type"]: c for c in status.get("conditions", [])}
                    for c in value:
                        merged[c["type"]] = dict(merged.get(c["type"], {}), **c)
                    status["conditions"] = list(merged.values())
                else:
                    status[key] = value
            del new["metadata"]["resourceVersion"]
            obj = s.put(new)
        self.send_json(200, obj)

    def do_POST(self):
        if self.admitted():
            self.forbidden("create", "nodes")

    do_PUT = do_POST

    def do_DELETE(self):
        if self.admitted():
            self.forbidden("delete", "nodes")


class Control(socketserver.StreamRequestHandler):
    """One JSON command a line: {"cmd": ...}; answers one JSON line ({"ok": true, ...} or {"error": ...})."""
    state = None
    token_path = None

    def handle(self):
        for line in self.rfile:
            try:
                answer = self.run(json.loads(line))
                answer["ok"] = True
            except Exception as e:  # the test sees what went wrong
                answer = {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}
            self.wfile.write((json.dumps(answer) + "\n").encode())
            self.wfile.flush()

    def run(self, c):
        s = self.state
        cmd = c["cmd"]
        with s.cond:
            if cmd == "put":
                return {"resourceVersions": [s.put(n)["metadata"]["resourceVersion"] for n in c["nodes"]]}
            if cmd == "delete":
                return {"deleted": s.delete(c["name"]), "resourceVersion": str(s.rv)}
            if cmd == "compact":
                s.compact()
                return {"resourceVersion": str(s.rv)}
            if cmd == "close_watches":
                s.closings += 1
                s.cond.notify_all()
                return {}
            if cmd == "hold":
                s.held = bool(c["on"])
                s.cond.notify_all()
                return {}
            if cmd == "fail":
                s.fail_count, s.fail_status = int(c["count"]), int(c["status"])
                return {}
            if cmd == "advance":   # other resources' writes move the global resourceVersion
                s.rv += int(c.get("by", 1))
                return {"resourceVersion": str(s.rv)}
            if cmd == "rotate_token":
                s.token = secrets.token_hex(16)
                write_atomically(self.token_path, s.token + "\n")
                return {"token": s.token}
            if cmd == "counters":
                return {"counters": dict(s.counters), "resourceVersion": str(s.rv)}
            if cmd == "node":
                return {"node": s.nodes.get(c["name"])}
            if cmd == "conditions":
                node = s.nodes.get(c["name"])
                return {"conditions": (node or {}).get("status", {}).get("conditions", [])}
        raise ValueError("unknown command " + cmd)


class HTTPSServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


class ControlServer(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True


def make_certificate(directory, address, sans):
    names = ["DNS:localhost"] + ["IP:" + ip for ip in [address] + sans]
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", os.path.join(directory, "server.key"), "-out", os.path.join(directory, "ca.crt"),
                    "-days", "2", "-subj", "/CN=wharf-kube-standin", "-addext", "subjectAltName=" + ",".join(names)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def write_kubeconfig(directory, server, token_path):
    with open(os.path.join(directory, "ca.crt"), "rb") as f:
        ca_data = base64.b64encode(f.read()).decode()
    with open(token_path) as f:
        token = f.read().strip()
    text = ("apiVersion: v1\nkind: Config\ncurrent-context: standin\n"
            "clusters:\n- name: standin\n  cluster:\n    server: %s\n    certificate-authority-data: %s\n"
            "users:\n- name: wharfd\n  user:\n    token: %s\n    tokenFile: %s\n"
            "contexts:\n- name: standin\n  context:\n    cluster: standin\n    user: wharfd\n"
            % (server, ca_data, token, token_path))
    write_atomically(os.path.join(directory, "kubeconfig"), text)


def exit_with_parent():
    """Ends this server when the test that started it is gone, even if it died without stopping it."""
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--address", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--bookmark-ms", type=int, default=1000)
    p.add_argument("--san", action="append", default=[])
    a = p.parse_args()

    state = State(a.bookmark_ms / 1000.0)
    token_path = os.path.join(a.dir, "token")
    state.token = secrets.token_hex(16)
    write_atomically(token_path, state.token + "\n")
    make_certificate(a.dir, a.address, a.san)

    Handler.state = state
    HTTPSServer.address_family = socket.AF_INET6 if ":" in a.address else socket.AF_INET
    server = HTTPSServer((a.address, a.port), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(os.path.join(a.dir, "ca.crt"), os.path.join(a.dir, "server.key"))
    # The handshake happens in each request's own thread, so that a client that fails it (a wrong CA)
    # never holds up the accept loop.
    server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    port = server.server_address[1]
    host = "[%s]" % a.address if ":" in a.address else a.address
    write_kubeconfig(a.dir, "https://%s:%d" % (host, port), token_path)

    Control.state = state
    Control.token_path = token_path
    control = ControlServer(os.path.join(a.dir, "control.sock"), Control)
    threading.Thread(target=control.serve_forever, daemon=True).start()
    threading.Thread(target=exit_with_parent, daemon=True).start()
    print("ready", port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
