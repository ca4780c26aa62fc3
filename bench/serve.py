#!/usr/bin/env python3
"""The `statusctl serve` figures of bench/run (issue 9), against a running `statusctl sandbox`.

    python3 bench/serve.py BIN SANDBOX_URL SANDBOX_OUTPUT WORKDIR

BIN is a release statusctl, SANDBOX_URL the sandbox's address and SANDBOX_OUTPUT the file its
stdout went to (the `export STATUSPAGE_…` line printed there configures serve: the sandbox runs
on a free port, which the built-in `sandbox` profile does not know). bench/run calls it; the
environment sets the sizes:

    SERVE_NOTIFICATIONS=200  latency: notifications timed (fresh groups alternating with repeats)
    SERVE_TIME_SCALE=0.02    latency: STATUSCTL_TIME_SCALE of the serve process timed (see below)
    SERVE_CLIENTS=8          repeats: concurrent keep-alive senders
    SERVE_SECONDS=5          repeats: how long they send
    SERVE_BUDGET=1           0 skips the 20 new groups at the real budget (a couple of minutes)

Four parts, each with its own serve process (a fresh pacer: serve paces every Statuspage
request to the plugin's budget, 60 per rolling minute per token, in the process) and the
sandbox reset first (seeded data, fresh rate-limit windows):

1. Added latency. Each notification is one Alertmanager webhook (version "4") on a kept-alive
   connection, timed from the first byte sent to the last byte of the answer. The sandbox
   records every request it receives (method, path, query, headers, body) but not how long it
   took (`received_ms` is an arrival time in whole ms), and the decision log's `duration_ms` is
   whole ms, so: right after each notification, the provider requests serve made for it
   (`GET /_sandbox/requests`, cleared before the notification) are replayed straight to the
   sandbox, one after the other, on a kept-alive connection, each timed the same way; the
   added latency is the webhook's round trip minus the sum of those replays (what serve adds:
   parsing, routing, templates, the plugin call, its own HTTP client, the answer). A replayed
   create makes a second incident: it is deleted at once, outside the timings, so the state
   the later replays and notifications see is the one serve saw. The client is a raw HTTP/1.1
   one (a socket, prebuilt request bytes, Content-Length framing), not http.client, which
   took about 70 us more per sandbox GET here (0.24 ms against 0.17 ms): the Python client's
   own cost counts as provider time in the replays (flattering serve) and as serve time in
   the webhook, so it is kept small on both sides. Fresh group keys alternate with repeats of the group just created
   (HA peers, redeliveries): a fresh group creates (7 requests: 4 reads, the POST, the
   settle's read, the announcing PATCH), a repeat reads (2 GETs) and writes nothing.
   The rate limits would stop this after a few dozen requests (reads count as much as
   writes, in the sandbox and in serve's pacer), and neither can be switched off from outside:
   `statusctl sandbox` always limits (the sandbox library's `RateLimitMode::Off` is not
   reachable from its command line or control API). The knobs used, here only: the sandbox
   is reset (fresh windows) between groups, outside the timings, before the next fresh group
   would pass its 60 requests (serve's requests and the replays count alike; moving the
   sandbox clock on a minute would empty them too); serve runs with STATUSCTL_TIME_SCALE
   (its pacer's minute becomes 60 x SERVE_TIME_SCALE s), and the driver keeps serve's
   requests at most 50 per 1.25 of those windows, so the pacer never makes one wait (the
   scale shortens serve's HTTP timeouts too: 30 s x 0.02 = 0.6 s). The rule sets
   `extra_args = { race_settle_ms = 0 }`: the create's settle (1 s by default, a deliberate
   wait for racing copies, neither provider time nor serve's work) would otherwise be
   nearly all of a create's figure.
2. Repeats of an unchanged group at the real budget: one group fired once (created), then the
   identical payload sent by SERVE_CLIENTS threads on kept-alive connections for SERVE_SECONDS
   s; answers per second by code, and the provider requests and writes the sandbox counted
   meanwhile (writes must be 0). serve answers a repeat within 5 s of an `unchanged` answer
   from its read cache (no request); where every repeat reads the provider instead (2 GETs,
   as before that cache), the budget bounds the answers 200: concurrent deliveries of one call
   share an apply, and a delivery whose apply cannot get a pacing slot is answered 503.
3. 20 new groups at once at the real budget (the default 1 s settle, STATUSCTL_TIME_SCALE
   unset), each sent by its own thread; a 503 is redelivered after its Retry-After (capped at
   10 s), as Alertmanager would retry; any answer but 200 and 503 is a failure. Reported:
   the sandbox's request count / 20 (requests it refused with 420 included: it records a
   request before its rate limit sees it), the time until every group was answered 200, the
   time the last incident was applied (decision log), the 503s with their causes (decision
   log: a provider 420 must end as a 503, never as a failure), the answers other than 200 and
   503 (must be none), and the incidents left open (one per group, each notified once).
4. VmRSS/VmHWM of the serve process of part 2 (bundled plugins, one rule), after start
   (ready, nothing received) and after the repeats.
"""
import calendar
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter, deque

bin_, sandbox_url, sandbox_out, work = sys.argv[1:5]
NOTIFICATIONS = int(os.environ.get("SERVE_NOTIFICATIONS", "200"))
TIME_SCALE = float(os.environ.get("SERVE_TIME_SCALE", "0.02"))
CLIENTS = int(os.environ.get("SERVE_CLIENTS", "8"))
SECONDS = float(os.environ.get("SERVE_SECONDS", "5"))
BUDGET = os.environ.get("SERVE_BUDGET", "1") != "0"
GROUPS = 20
WARMUP = 10
RUN = f"{os.getpid()}"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---- a raw HTTP/1.1 keep-alive client --------------------------------------------------


class Conn:
    """One kept-alive connection; requests are prebuilt bytes, answers framed by
    Content-Length (the sandbox and serve both send it)."""

    def __init__(self, url, timeout=120):
        u = urllib.parse.urlparse(url)
        self.addr, self.hostport, self.timeout = (u.hostname, u.port), f"{u.hostname}:{u.port}", timeout
        self.sock, self.buf = None, b""

    def build(self, method, target, headers=(), body=b""):
        head = [f"{method} {target} HTTP/1.1", f"Host: {self.hostport}"]
        head += [f"{k}: {v}" for k, v in headers]
        if body or method in ("POST", "PUT", "PATCH"):
            head.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(head) + "\r\n\r\n").encode() + body

    def send(self, raw):
        """(status, headers, body, seconds from first byte sent to last byte read)."""
        for attempt in (1, 2):
            if self.sock is None:
                self.sock = socket.create_connection(self.addr, timeout=self.timeout)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.buf, fresh = b"", True
            else:
                fresh = False
            t0 = time.perf_counter()
            try:
                self.sock.sendall(raw)
                status, headers, body = self._answer()
            except (ConnectionError, EOFError):
                self.close()
                if fresh or attempt == 2:
                    raise
                continue  # the server closed an idle kept-alive connection: once more, anew
            took = time.perf_counter() - t0
            if headers.get(b"connection", b"").lower() == b"close":
                self.close()
            return status, headers, body, took
        raise AssertionError("unreachable")

    def request(self, method, target, headers=(), body=b""):
        return self.send(self.build(method, target, headers, body))

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed")
        self.buf += chunk

    def _answer(self):
        while (end := self.buf.find(b"\r\n\r\n")) < 0:
            self._fill()
        head, self.buf = self.buf[:end], self.buf[end + 4:]
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        if b"transfer-encoding" in headers:
            raise AssertionError(f"chunked answer: {lines[0]!r}")
        length = int(headers.get(b"content-length", b"0"))
        while len(self.buf) < length:
            self._fill()
        body, self.buf = self.buf[:length], self.buf[length:]
        return status, headers, body

    def close(self):
        if self.sock is not None:
            self.sock.close()
        self.sock = None


JSON = [("Content-Type", "application/json")]
control = Conn(sandbox_url)


def sandbox(method, path, body=b""):
    status, _, answer, _ = control.request(method, f"/_sandbox/{path}", JSON if method == "POST" else (), body)
    if status >= 300:
        sys.exit(f"{method} /_sandbox/{path}: {status} {answer[:200]!r}")
    return json.loads(answer) if answer else None


def reset():
    sandbox("POST", "reset", b"{}")


# ---- serve processes -------------------------------------------------------------------

exports = next((line for line in open(sandbox_out) if "export STATUSPAGE_" in line), None)
if exports is None:
    sys.exit(f"no `export STATUSPAGE_…` line in {sandbox_out}")
provider_env = dict(re.findall(r"(STATUSPAGE_\w+)=(\S+)", exports))
TOKEN = provider_env["STATUSPAGE_TOKEN"]


def routes(name, extra=""):
    path = os.path.join(work, f"routes-{name}.toml")
    with open(path, "w") as f:
        f.write('[[rule]]\nname = "api"\nnamespace = "statuspage"\ncomponents = ["API"]\n' + extra)
    return path


class Serve:
    def __init__(self, name, routes_path, time_scale=None):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("STATUSCTL_", "STATUSPAGE_", "NOBL9_"))}
        env.update(provider_env)
        if time_scale is not None:
            env["STATUSCTL_TIME_SCALE"] = str(time_scale)
        self.decisions = os.path.join(work, f"decisions-{name}.jsonl")
        self.stderr = os.path.join(work, f"serve-{name}.err")
        self.proc = subprocess.Popen(
            [bin_, "serve", "--routes", routes_path, "--listen", "127.0.0.1:0", "--decision-log", self.decisions],
            stdout=subprocess.PIPE, stderr=open(self.stderr, "w"), stdin=subprocess.DEVNULL, env=env)
        line = self.proc.stdout.readline().decode()
        m = re.search(r"listening on (http://\S+?):? ", line)
        if not m:
            self.proc.kill()
            sys.exit(f"statusctl serve did not start: {line!r}\n{open(self.stderr).read()}")
        self.url = m.group(1)
        # Drain stdout so that nothing serve prints can block it.
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()
        status, _, body, _ = Conn(self.url).request("GET", "/readyz")
        if status != 200:
            sys.exit(f"statusctl serve is not ready: {status} {body!r}")

    def memory(self):
        """VmRSS and VmHWM in KiB (None where there is no /proc)."""
        try:
            text = open(f"/proc/{self.proc.pid}/status").read()
        except OSError:
            return None, None
        field = lambda name: int(re.search(rf"^{name}:\s+(\d+) kB", text, re.M).group(1))
        return field("VmRSS"), field("VmHWM")

    def decision_lines(self):
        with open(self.decisions) as f:
            return [json.loads(line) for line in f if line.strip()]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def payload(name):
    """An Alertmanager notification (version 4) of one firing critical alert, group `name`."""
    labels = {"alertname": name, "service": "api", "severity": "critical"}
    annotations = {"summary": f"{name}: API is down"}
    return json.dumps({
        "receiver": "statusctl", "status": "firing",
        "alerts": [{"status": "firing", "labels": labels, "annotations": annotations,
                    "startsAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prometheus.local/graph",
                    "fingerprint": f"{abs(hash(name)):016x}"[:16]}],
        "groupLabels": {"alertname": name}, "commonLabels": labels, "commonAnnotations": annotations,
        "externalURL": "http://127.0.0.1:9093", "version": "4",
        "groupKey": f'{{}}:{{alertname="{name}"}}', "truncatedAlerts": 0,
    }).encode()


def actions(body):
    try:
        return [r.get("action") or r.get("error") for r in json.loads(body)["results"]]
    except (ValueError, KeyError, TypeError):
        return [body[:200].decode(errors="replace")]


def pct(values, p):
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100)[p - 1]


results = {}
stopping = []


def phase_latency():
    log(f"timing serve: added latency, {NOTIFICATIONS} notifications (+{WARMUP} warm-up) ...")
    reset()
    serve = Serve("latency", routes("latency", "extra_args = { race_settle_ms = 0 }\n"), TIME_SCALE)
    stopping.append(serve)
    hook, provider = Conn(serve.url), Conn(sandbox_url)
    # serve's pacer, mirrored: at most 50 of its 60 requests in 1.25 of its (scaled) minute.
    pace_size, pace_span, paced = 50, 60 * TIME_SCALE * 1.25, deque()
    sandbox_used = 0  # requests counted by the sandbox's limiter since its last reset
    rows, odd = [], []
    total = NOTIFICATIONS + WARMUP
    total += total % 2
    for i in range(total):
        fresh = i % 2 == 0
        if fresh:
            name = f"Bench{RUN}x{i}"
            body = payload(name)
            if sandbox_used + 2 * 20 > 60:  # this group and its repeat, replays included
                reset()
                sandbox_used = 0
        while True:
            now = time.perf_counter()
            while paced and paced[0] <= now - pace_span:
                paced.popleft()
            if len(paced) + 8 <= pace_size:
                break
            time.sleep(paced[0] + pace_span - now + 0.001)
        sandbox("DELETE", "requests")
        status, _, answer, round_trip = hook.request("POST", "/alertmanager", JSON, body)
        paced_at = time.perf_counter()
        sent = sandbox("GET", "requests")
        paced.extend([paced_at] * len(sent))
        want = "created" if fresh else "unchanged"
        if status != 200 or actions(answer) != [want] or any(r.get("fault") for r in sent):
            odd.append((i, status, actions(answer), len(sent)))
            sandbox_used += len(sent)
            continue
        replayed = 0.0
        for r in sent:
            if r.get("body_truncated"):
                sys.exit("a recorded request body was cut: cannot replay it")
            headers = [(k, v) for k, v in r["headers"] if k not in ("host", "content-length", "connection")]
            target = r["path"] + (f"?{r['query']}" if r.get("query") else "")
            code, _, out, took = provider.request(r["method"], target, headers, r["body"].encode())
            replayed += took
            if code >= 300:
                sys.exit(f"replayed {r['method']} {target}: {code} {out[:200]!r}")
            if r["method"] == "POST" and r["path"].endswith("/incidents"):
                copy = json.loads(out)["id"]
                code, _, out, _ = provider.request(
                    "DELETE", f"{r['path']}/{copy}", [("Authorization", f"OAuth {TOKEN}")])
                sandbox_used += 1
        sandbox_used += 2 * len(sent)
        if i >= WARMUP:
            rows.append({"fresh": fresh, "round_trip": round_trip * 1000, "provider": replayed * 1000,
                         "requests": len(sent)})
    serve.stop()
    results["latency"] = {"rows": rows, "odd": odd}


def phase_repeats():
    log(f"timing serve: repeats of one unchanged group, {CLIENTS} clients for {SECONDS:g} s ...")
    reset()
    serve = Serve("repeats", routes("real"))
    stopping.append(serve)
    time.sleep(0.5)
    rss_start = serve.memory()
    body = payload(f"Bench{RUN}repeat")
    status, _, answer, _ = Conn(serve.url).request("POST", "/alertmanager", JSON, body)
    if status != 200 or actions(answer) != ["created"]:
        sys.exit(f"the first notification: {status} {answer[:300]!r}")
    sandbox("DELETE", "requests")  # counters from zero
    codes, times, lock = Counter(), [], threading.Lock()
    start = time.perf_counter()
    end = start + SECONDS

    last_ok = []

    def client():
        conn, mine, took_all, ok_at = Conn(serve.url), Counter(), [], start
        raw = conn.build("POST", "/alertmanager", JSON, body)
        while time.perf_counter() < end:
            status, _, _, took = conn.send(raw)
            mine[status] += 1
            took_all.append(took * 1000)
            if status == 200:
                ok_at = time.perf_counter()
        with lock:
            codes.update(mine)
            times.extend(took_all)
            last_ok.append(ok_at - start)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    counters = sandbox("GET", "counters")
    rss_after = serve.memory()
    serve.stop()
    writes = sum(n for m, n in counters["methods"].items() if m not in ("GET", "HEAD", "OPTIONS"))
    results["repeats"] = {"codes": dict(codes), "elapsed": elapsed, "times": times,
                          "requests": counters["total"], "writes": writes, "last_ok": max(last_ok),
                          "rss_start": rss_start, "rss_after": rss_after}


def phase_budget():
    log(f"timing serve: {GROUPS} new groups at once at the real budget (a couple of minutes; "
        "SERVE_BUDGET=0 skips) ...")
    reset()
    serve = Serve("budget", routes("real"))
    stopping.append(serve)
    lock, answers, done, failures, waits = threading.Lock(), Counter(), {}, [], []
    start, wall_start = time.perf_counter(), time.time()
    give_up = start + 900

    def sender(n):
        conn = Conn(serve.url)
        body = payload(f"Bench{RUN}new{n:02}")
        while time.perf_counter() < give_up:
            status, headers, answer, _ = conn.request("POST", "/alertmanager", JSON, body)
            with lock:
                answers[status] += 1
            if status == 200:
                with lock:
                    done[n] = (time.perf_counter() - start, actions(answer))
                return
            if status != 503:
                with lock:
                    failures.append((n, status, answer[:300].decode(errors="replace")))
                return
            wait = min(int(headers.get(b"retry-after", b"10")), 10)
            with lock:
                waits.append(wait)
            time.sleep(wait)

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(GROUPS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counters = sandbox("GET", "counters")
    # The requests the sandbox refused with 420: its log does not keep answers, so its limiter
    # (60 per rolling 60 s per key, refused requests not counted) is replayed over the arrival
    # times it recorded (whole ms: about).
    arrivals = [r["received_ms"] for r in sandbox("GET", "requests") if r["path"].startswith("/v1/")]
    window, refused = deque(), 0
    for at in sorted(arrivals):
        while window and window[0] + 60_000 <= at:
            window.popleft()
        if len(window) >= 60:
            refused += 1
        else:
            window.append(at)
    open_now = sandbox_get_unresolved()
    serve.stop()
    applied = []
    for line in serve.decision_lines():
        for d in line.get("decisions", []):
            if d.get("action") in ("created", "updated"):
                applied.append(line["time"])
    last_applied = None
    if applied:
        last = max(applied)
        # RFC 3339 with nanoseconds: seconds since the first notification.
        secs = calendar.timegm(time.strptime(last[:19], "%Y-%m-%dT%H:%M:%S"))
        frac = float("0." + last[20:].rstrip("Z")) if len(last) > 20 else 0.0
        last_applied = secs + frac - wall_start
    # Why deliveries were answered 503, from the decision log: one line per delivery (those
    # that shared a call's outcome included), written when its work ended. Work that passed
    # the answer deadline was answered 503 at the deadline, whatever came of it; otherwise a
    # failed decision says why.
    why_503, late = Counter(), 0
    for line in serve.decision_lines():
        if line.get("past_deadline"):
            late += 1
            why_503["the answer deadline passed (the work went on)"] += 1
            continue
        for d in line.get("decisions", []):
            if d.get("action") == "failed":
                message = d.get("message", "")
                cause = ("the provider answered 420" if "answered 420" in message
                         else "the provider answered 429" if "answered 429" in message
                         else "no pacing slot before the call's deadline" if "free slot in" in message
                         else "backing off (unavailable twice)" if "not tried again yet" in message
                         else message.split(" http")[0][:80])
                why_503[f"{d.get('error', '?')}: {cause}"] += 1
                break
    results["budget"] = {
        "applied": len(done), "all_after": max((t for t, _ in done.values()), default=None),
        "actions": Counter(a for _, acts in done.values() for a in acts), "answers": dict(answers),
        "failures": failures, "requests": counters["total"], "methods": counters["methods"],
        "notifications": counters.get("notifications", {}), "open": open_now,
        "last_applied": last_applied, "why_503": dict(why_503), "refused": refused,
        "waits": waits, "late": late,
    }


def sandbox_get_unresolved():
    """Open incidents (after the counters were read: this read counts too)."""
    page = provider_env["STATUSPAGE_PAGE_ID"]
    status, _, body, _ = Conn(sandbox_url).request(
        "GET", f"/v1/pages/{page}/incidents/unresolved?per_page=100", [("Authorization", f"OAuth {TOKEN}")])
    return len(json.loads(body)) if status == 200 else None


try:
    for phase in [phase_latency, phase_repeats] + ([phase_budget] if BUDGET else []):
        began = time.perf_counter()
        phase()
        log(f"  ({time.perf_counter() - began:.0f} s)")
finally:
    for s in stopping:
        s.stop()
    reset()

# ---- the figures -----------------------------------------------------------------------

lat = results["latency"]
rows = lat["rows"]
added = [r["round_trip"] - r["provider"] for r in rows]
fresh = [r for r in rows if r["fresh"]]
repeat = [r for r in rows if not r["fresh"]]
added_fresh = [r["round_trip"] - r["provider"] for r in fresh]
added_repeat = [r["round_trip"] - r["provider"] for r in repeat]
p50, p99 = statistics.median(added), pct(added, 99)
rep = results["repeats"]
answered = sum(rep["codes"].values())
ok_per_s = rep["codes"].get(200, 0) / rep["elapsed"]
all_per_s = answered / rep["elapsed"]
mib = lambda kib: "n/a" if kib is None else f"{kib / 1024:.1f} MiB"
rss0, hwm0 = rep["rss_start"]
rss1, hwm1 = rep["rss_after"]
fits = lambda kib: None if kib is None else kib <= 30 * 1024

table = [
    ("serve: added latency, p50", f"{p50:.2f} ms", "<= 2 ms", p50 <= 2),
    ("serve: added latency, p99", f"{p99:.2f} ms", "<= 10 ms", p99 <= 10),
    ("serve: repeats answered 200 per second", f"{ok_per_s:.0f}/s", ">= 2,000/s", ok_per_s >= 2000),
    ("serve: writes during the repeats", f"{rep['writes']}", "0", rep["writes"] == 0),
]
if "budget" in results:
    b = results["budget"]
    per_group = b["requests"] / GROUPS
    other = sum(n for code, n in b["answers"].items() if code not in (200, 503))
    table += [
        (f"serve: {GROUPS} new groups, requests per group", f"{per_group:.1f}", "", None),
        (f"serve: {GROUPS} new groups, all answered 200", "not all" if b["all_after"] is None or b["applied"] < GROUPS
         else f"{b['all_after']:.1f} s", "", None),
        (f"serve: {GROUPS} new groups, answers not 200/503", f"{other}", "0", other == 0),
        (f"serve: {GROUPS} new groups, provider 420s (about)", f"{b['refused']}", "", None),
    ]
table += [
    ("serve: RSS after start (idle)", mib(rss0), "<= 30 MiB", fits(rss0)),
    ("serve: RSS after the repeats", mib(rss1), "<= 30 MiB", fits(rss1)),
]
print()
print(f"{'measure':40} {'value':>12}  {'target':28} ok")
for name, value, target, ok in table:
    mark = "" if ok is None else ("yes" if ok else "NO")
    print(f"{name:40} {value:>12}  {target:28} {mark}")


def spread(values, unit=""):
    q1, _, q3 = statistics.quantiles(values, n=4)
    return f"IQR {q1:.2f}-{q3:.2f}{unit}, min-max {min(values):.2f}-{max(values):.2f}{unit}"


def line(label, values):
    return (f"  {label:22} median {statistics.median(values):.2f} ms, p99 {pct(values, 99):.2f} ms, "
            f"{spread(values, ' ms')}")


print()
print(f"serve added latency, {len(rows)} notifications ({len(fresh)} fresh groups, {len(repeat)} repeats; "
      f"webhook round trip minus the same provider requests replayed straight to the sandbox):")
print(line("added, all:", added))
print(line("added, fresh (create):", added_fresh))
print(line("added, repeat:", added_repeat))
print(line("round trip, fresh:", [r["round_trip"] for r in fresh]))
print(line("provider, fresh:", [r["provider"] for r in fresh]))
print(line("round trip, repeat:", [r["round_trip"] for r in repeat]))
print(line("provider, repeat:", [r["provider"] for r in repeat]))
req = lambda rs: ", ".join(f"{n} x{c}" for n, c in sorted(Counter(r["requests"] for r in rs).items()))
print(f"  provider requests per notification: fresh {req(fresh)}; repeat {req(repeat)}")
if lat["odd"]:
    print(f"  NOT as expected (left out): {len(lat['odd'])}: {lat['odd'][:5]}")
codes = ", ".join(f"{c}: {n}" for c, n in sorted(rep["codes"].items()))
print(f"serve repeats of one unchanged group, {CLIENTS} kept-alive clients, {rep['elapsed']:.1f} s: "
      f"{answered} answers ({codes}), {all_per_s:.0f}/s in all, {ok_per_s:.0f}/s answered 200")
if rep["codes"].get(200) and rep["last_ok"] > 0 and len(rep["codes"]) > 1:
    print(f"  the answers 200 all came in the first {rep['last_ok'] * 1000:.0f} ms "
          f"({rep['codes'][200] / rep['last_ok']:.0f}/s), the others after")
print(f"  provider requests meanwhile {rep['requests']} (writes {rep['writes']}); "
      f"per answer: median {statistics.median(rep['times']):.2f} ms, p99 {pct(rep['times'], 99):.2f} ms, "
      f"max {max(rep['times']):.0f} ms")
print(f"serve RSS: after start {mib(rss0)} (peak {mib(hwm0)}), after the repeats {mib(rss1)} (peak {mib(hwm1)})")
if "budget" in results:
    b = results["budget"]
    answers = ", ".join(f"{c}: {n}" for c, n in sorted(b["answers"].items()))
    methods = ", ".join(f"{m} {n}" for m, n in sorted(b["methods"].items()))
    notified = sorted(Counter(b["notifications"].values()).items())
    last = "n/a" if b["last_applied"] is None else f"{b['last_applied']:.1f} s"
    print(f"serve, {GROUPS} new groups at once at the real budget (60 requests a minute; 503 redelivered "
          f"after Retry-After, at most 10 s):")
    print(f"  answered 200: {b['applied']}/{GROUPS}, the last after "
          + ("n/a" if b["all_after"] is None else f"{b['all_after']:.1f} s")
          + f"; the last incident applied after {last} (decision log)")
    print(f"  answers: {answers}; redelivery waits: {sum(b['waits'])} s in all")
    for cause, n in sorted(b["why_503"].items(), key=lambda kv: -kv[1]):
        print(f"  answered 503 (decision log), {cause}: {n}")
    print(f"  provider requests: {b['requests']} ({methods}), {b['requests'] / GROUPS:.1f} per group, "
          f"about {b['refused']} of them refused by the sandbox's rate limit (420); "
          f"actions: {dict(b['actions'])}")
    print(f"  incidents open afterwards: {b['open']}; notifying writes per incident: "
          + (", ".join(f"{k} x{v}" for k, v in notified) or "none"))
    for f in b["failures"][:5]:
        print(f"  FAILURE group {f[0]}: {f[1]} {f[2]}")
