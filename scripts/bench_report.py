"""Writes BENCHMARKS.md from one `make bench` run (called by scripts/bench.sh)."""
import datetime, json, os, platform, statistics, subprocess, sys

work, raw, bus, mem_line, disk, mem_calls = sys.argv[1:7]
rates = [int(float(r)) for r in (sys.argv[7].split() if len(sys.argv) > 7 else [])]
bus_rounds, bus_count, window, retention_hours = (open(f"{work}/settings.txt").read().split() + ["3", "1000000", "512", "0"])[:4]
note = open(f"{work}/note.txt").read().strip() if os.path.exists(f"{work}/note.txt") else ""
city = open(f"{work}/city.txt").read().strip() if os.path.exists(f"{work}/city.txt") else "demo"
raw = [float(x) for x in raw.split()]
bus = [float(x) for x in bus.split()]
mx = json.load(open(f"{work}/max.json"))
lat = json.load(open(f"{work}/lat.json"))
mem = json.load(open(f"{work}/mem.json"))
power = json.load(open(f"{work}/power.json")) if os.path.exists(f"{work}/power.json") else None

def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except Exception:
        return "?"

cpu = sh("lscpu | sed -n 's/^Model name: *//p'") or platform.processor()
raw_med, bus_med = statistics.median(raw), statistics.median(bus)
curve = [float(open(f"{work}/curve.{i}").read()) for i in range(1, 10) if os.path.exists(f"{work}/curve.{i}")]
raw3 = [float(open(f"{work}/raw3.{i}").read()) for i in range(1, 10) if os.path.exists(f"{work}/raw3.{i}")]
raw3_med = statistics.median(raw3) if raw3 else None
raw3_row = (f"| raw libzmq, the bus's three frames (topic 18 B, header 160 B, payload) — like for like | {raw3_med:,.0f} ({', '.join(f'{x:,.0f}' for x in raw3)}) | {100*raw3_med/raw_med:.0f} % |\n" if raw3 else "")
like = f"; {100*bus_med/raw3_med:.0f} % of raw in three frames (like for like)" if raw3 else ""
curve_row = (f"| the same with CURVE (encrypted; `--curve-key-file`) | {statistics.median(curve):,.0f} ({', '.join(f'{x:,.0f}' for x in curve)}) | {100*statistics.median(curve)/raw_med:.0f} % (the cost of encryption) |\n" if curve else "")
def verdict(ok): return "met" if ok else "**not met**"
def checked(run):
    """The load's verification of a run: pass, NOT SETTLED (counts still moving when its settle
    time ran out) or FAIL (lost or duplicated)."""
    v = run.get("verification", {})
    if v.get("passed"): return "pass"
    return "NOT SETTLED" if v.get("settled") is False else "FAIL"
e2e = mx["e2eRate"]
ack_p99 = lat["ack"]["p99_ms"]
assign_p99 = lat["assign"]["p99_ms"]
mems = {kv.split()[0]: float(kv.split()[1]) for kv in mem_line.split(", ")}
def cpu_seconds(name):
    """Each service's CPU seconds in a run, as bench.sh's cpu_of_set wrote them ({} if absent)."""
    path = f"{work}/{name}"
    if not os.path.exists(path): return {}
    return {kv.split()[0]: float(kv.split()[1]) for kv in open(path).read().strip().split(", ")}
cpu_s = cpu_seconds("cpu.txt")
mem_cpu_s = cpu_seconds("mem-cpu.txt")
# Resident memory sampled every 10 s during the memory run: one line per sample, MB per service.
services = ("intake", "dispatch", "scoring", "liaison")
mem_samples = []
if os.path.exists(f"{work}/mem-rss.txt"):
    for row in open(f"{work}/mem-rss.txt"):
        values = row.split()
        if len(values) == len(services) and all(v.isdigit() for v in values):
            mem_samples.append([int(v) for v in values])
power_cpu_s = cpu_seconds("power-cpu.txt")
power_row = (f"| max throughput, durability `power` (every commit fsynced) | {power['calls']:,} ({power.get('opened', power['calls']):,} opened) | "
             f"{power['ackRate']:,.0f} | {power['e2eRate']:,.0f} | {power['ack']['p99_ms']:.1f} ms | {power['assign']['p99_ms']:.1f} ms | {checked(power)} |\n"
             if power else "")
# The goal is like for like: the bus against raw libzmq sending the same three frames.
bus_share = bus_med / raw3_med if raw3_med else bus_med / raw_med
all_four_us = 1e6 * sum(cpu_s.values()) / mx["calls"] if cpu_s else None
power_us = 1e6 * sum(power_cpu_s.values()) / power["calls"] if power and power_cpu_s else None
durability_line = "kill -9 under load: `ChaosTests` (in `make test`) and `make chaos` find lost 0, duplicated 0"
if power:
    durability_line += (f"; `power`: {power['ackRate']:,.0f} calls/s acknowledged, {power['e2eRate']:,.0f} end to end"
                        + (f", {power_us:,.0f} µs of CPU per call (all four)" if power_us else "") + f", {checked(power)}")
profiles = {s: open(f"{work}/profile.{s}.txt").read() for s in ("dispatch", "scoring", "intake", "liaison") if os.path.exists(f"{work}/profile.{s}.txt")}
by_rate = {r: json.load(open(f"{work}/lat.{r}.json")) for r in rates if os.path.exists(f"{work}/lat.{r}.json")}

def plot(path):
    """latency.png: p50 (solid) and p99 (dashed) of acknowledged (blue) and call → assigned (red)
    against the offered rate (evenly spaced, the table's rates), log scale in ms with a grey line
    per decade. Drawn here as a raster and written as PNG with zlib, so no package is needed."""
    if len(by_rate) < 2:
        return None
    import math, struct, zlib
    W, H, L, B, T, R = 640, 360, 40, 30, 20, 20
    img = [[(255, 255, 255)] * W for _ in range(H)]
    xs = sorted(by_rate)
    series = [("ack", "p50_ms", (31, 119, 180), False), ("ack", "p99_ms", (31, 119, 180), True),
              ("assign", "p50_ms", (214, 39, 40), False), ("assign", "p99_ms", (214, 39, 40), True)]
    vals = [max(by_rate[x][k][q], 0.01) for k, q, _, _ in series for x in xs]
    lo, hi = math.floor(math.log10(min(vals))), math.ceil(math.log10(max(vals)))
    hi = max(hi, lo + 1)
    X = lambda i: L + (W - L - R) * i / (len(xs) - 1)
    Y = lambda v: T + (H - T - B) * (1 - (math.log10(max(v, 0.01)) - lo) / (hi - lo))
    def dot(x, y, c):
        for dx in (0, 1):
            for dy in (0, 1):
                xx, yy = int(x) + dx, int(y) + dy
                if 0 <= xx < W and 0 <= yy < H:
                    img[yy][xx] = c
    def line(x0, y0, x1, y1, c, dashed=False):
        n = int(max(abs(x1 - x0), abs(y1 - y0))) + 1
        for i in range(n):
            if dashed and (i // 6) % 2:
                continue
            dot(x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n, c)
    for e in range(lo, hi + 1):
        line(L, Y(10 ** e), W - R, Y(10 ** e), (220, 220, 220))
    for i in range(len(xs)):
        line(X(i), H - B, X(i), H - B + 6, (0, 0, 0))
    line(L, H - B, W - R, H - B, (0, 0, 0))
    line(L, T, L, H - B, (0, 0, 0))
    for k, q, c, dashed in series:
        for i in range(len(xs) - 1):
            line(X(i), Y(by_rate[xs[i]][k][q]), X(i + 1), Y(by_rate[xs[i + 1]][k][q]), c, dashed)
    raw = b"".join(b"\x00" + bytes(v for px in row for v in px) for row in img)
    chunk = lambda tag, data: struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    open(path, "wb").write(png)
    return (lo, hi, xs)

plotted = plot(f"{work}/latency.png")

print(f"""# Benchmarks

Written by `make bench` on {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}. Every figure below comes from that one run.

## Machine

| | |
|---|---|
| CPU | {cpu}, {sh('nproc')} cores |
| memory | {sh("free -h | awk '/Mem:/ {print $2}'")} |
| OS | {sh('. /etc/os-release; echo $PRETTY_NAME')}, kernel {platform.release()} |
| Swift | {sh('swift --version 2>&1 | head -1')} |
| libzmq | {sh('pkg-config --modversion libzmq')} |
| build | release (`swift build -c release --scratch-path .build-bench`), durability `process` (WAL, synchronous=NORMAL) |
{f"{chr(10)}**{note}**{chr(10)}" if note else ""}
## The bus

512-byte payloads, PUB→SUB over tcp loopback, two processes, high-water marks unlimited, {bus_count} messages a run, median of {bus_rounds}.
The first raw baseline sends one frame per message; the bus sends three (topic, header, payload), so
the second raw row sends the same three frames: the bus against it is the like-for-like share.

| | msgs/s (runs) | share of raw |
|---|---|---|
| raw libzmq (C, `bench/zmq_pubsub.c`) | {raw_med:,.0f} ({', '.join(f'{x:,.0f}' for x in raw)}) | 100 % |
{raw3_row}| envelope + Swift wrapper (`precinct bench-bus`) | {bus_med:,.0f} ({', '.join(f'{x:,.0f}' for x in bus)}) | {100*bus_med/raw_med:.0f} %{like} — goal ≥ 50 % like for like: {verdict(bus_share >= 0.5)} |
{curve_row}
## End to end

Four release services as separate processes on ipc endpoints, each committing to its own SQLite
file; `precinct load` in a fifth process sends calls to intake's ROUTER, plays the field units
(sign-off, arrival, feedback, close) and verifies the whole set afterwards. Cities: {city}.

| run | calls | acknowledged/s | end to end/s | p99 acknowledged | p99 call → assigned | verification |
|---|---|---|---|---|---|---|
| max throughput | {mx['calls']:,} ({mx.get('opened', mx['calls']):,} opened) | {mx['ackRate']:,.0f} | {e2e:,.0f} | {mx['ack']['p99_ms']:.1f} ms | {mx['assign']['p99_ms']:.1f} ms | {checked(mx)} |
| 1,000 calls/s | {lat['calls']:,} ({lat.get('opened', lat['calls']):,} opened) | {lat['ackRate']:,.0f} | {lat['e2eRate']:,.0f} | {ack_p99:.2f} ms | {assign_p99:.2f} ms | {checked(lat)} |
{power_row}| memory run | {mem['calls']:,} ({mem.get('opened', mem['calls']):,} opened) | {mem['ackRate']:,.0f} | {mem['e2eRate']:,.0f} | {mem['ack']['p99_ms']:.1f} ms | {mem['assign']['p99_ms']:.1f} ms | {checked(mem)} |

"Opened": calls that opened an incident; intake merges the others into open incidents by its
repeat-call rules (same place and category within 150 m and 30 minutes), as a real centre would —
the load generator scatters calls at random over the city and puts a tenth of them on the city's
enterprises, so many repeat (fewer in a bigger city, with more places and enterprises). End to end counts incidents assigned a unit.

End-to-end rate as a share of raw libzmq's message rate: {100*e2e/raw_med:.2f} %.

Latency at 1,000 calls/s (from the intended send time): acknowledged p50 {lat['ack']['p50_ms']:.2f} / p90 {lat['ack']['p90_ms']:.2f} / p99 {ack_p99:.2f} ms;
call → unit assigned p50 {lat['assign']['p50_ms']:.2f} / p90 {lat['assign']['p90_ms']:.2f} / p99 {assign_p99:.2f} ms;
call → enterprise alert p50 {lat['alert']['p50_ms']:.2f} / p99 {lat['alert']['p99_ms']:.2f} ms.

Resident memory after {int(mem_calls):,} calls: {mem_line}; data directory {disk} (outbox retention 300,000 events or {float(retention_hours)*60:.0f} minutes per service, whichever is less).

The load generator runs 4 clients with at most {window} calls in flight each (a call unanswered for 3 s is resent with the same clientRef; resent in the max run: {mx.get('retries', 0):,}).

## Against the goals

| goal | measured | |
|---|---|---|
| ≥ 20,000 calls/s end to end | {e2e:,.0f} | {verdict(e2e >= 20000)}{'' if e2e >= 20000 else f' (short by {20000-e2e:,.0f}/s, {100*(1-e2e/20000):.0f} %)'} |
| ≤ 100 µs of CPU per call, the four services | {f"{all_four_us:,.0f} µs (max-throughput run)" if all_four_us else "?"} | {verdict(all_four_us is not None and all_four_us <= 100)} |
| bus ≥ 50 % of raw libzmq, like for like | {100*bus_share:.0f} % of raw in the same three frames; {100*bus_med/raw_med:.0f} % of one-frame raw | {verdict(bus_share >= 0.5)} |
| p99 acknowledged ≤ 2 ms at 1,000/s | {ack_p99:.2f} ms | {verdict(ack_p99 <= 2)} |
| p99 call → assigned ≤ 5 ms at 1,000/s | {assign_p99:.2f} ms | {verdict(assign_p99 <= 5)} |
| durability unchanged; `power` measured | {durability_line} | measured |
| ≤ 150 MB resident per service after 1,000,000 calls | max {max(mems.values()):.0f} MB after {int(mem_calls):,} calls | {verdict(max(mems.values()) <= 150) if int(mem_calls) >= 1000000 else "**not measured** at 1,000,000 calls (shortened run)"} |
""")
if by_rate:
    print("## Latency against the offered rate\n")
    print("From the intended send time, so queueing counts.\n")
    if plotted:
        lo, hi, xs = plotted
        print("![latency against rate](bench/latency.png)\n")
        print(f"The plot: x the offered rates {', '.join(f'{x:,}' for x in xs)} calls/s (evenly spaced); y milliseconds on a log scale, "
              f"a grey line per decade from {10**lo:g} ms to {10**hi:g} ms; blue acknowledged, red call → unit assigned; solid p50, dashed p99.\n")
    print("| offered calls/s | calls | acknowledged/s | p50 / p99 acknowledged | p50 / p99 call → assigned | verification |\n|---|---|---|---|---|---|")
    for r, d in sorted(by_rate.items()):
        print(f"| {r:,} | {d['calls']:,} | {d['ackRate']:,.0f} | {d['ack']['p50_ms']:.2f} / {d['ack']['p99_ms']:.2f} ms | "
              f"{d['assign']['p50_ms']:.2f} / {d['assign']['p99_ms']:.2f} ms | {checked(d)} |")
    print()
if cpu_s:
    total = sum(cpu_s.values())
    print("## Where the time goes\n")
    print(f"CPU time each service used during the max-throughput run ({mx['calls']:,} calls), per call:\n")
    print("| service | CPU s | µs per call |\n|---|---|---|")
    for s, v in cpu_s.items():
        print(f"| {s} | {v:.1f} | {1e6*v/mx['calls']:.0f} |")
    print(f"| **all four** | {total:.1f} | {1e6*total/mx['calls']:.0f} |")
    if "loadCpuSeconds" in mx:
        print(f"| load generator (its own process) | {mx['loadCpuSeconds']:.1f} | {1e6*mx['loadCpuSeconds']/mx['calls']:.0f} |")
    print()
    print(f"On {sh('nproc')} cores the set can therefore sustain at most about {sh('nproc')} / {total/mx['calls']*1e6:.0f} µs ≈ "
          f"{int(sh('nproc'))/(total/mx['calls']):,.0f} calls/s end to end, whatever the bus does.\n")
if mem_cpu_s or mem_samples:
    print(f"### Each service in the memory run ({int(mem_calls):,} calls)\n")
    print("Resident memory sampled every 10 s during the run, and CPU per call over the whole run against the "
          "max-throughput run's: where the cost or the memory grows with the length of the run.\n")
    print("| service | resident after the run | peak while running | median while running | CPU µs per call, memory run | CPU µs per call, max-throughput run |\n|---|---|---|---|---|---|")
    for i, s in enumerate(services):
        column = [row[i] for row in mem_samples]
        peak = f"{max(column + [mems.get(s, 0)]):.0f} MB" if column else "?"
        middle = f"{statistics.median(column):.0f} MB" if column else "?"
        long_run = f"{1e6*mem_cpu_s[s]/int(mem_calls):.0f}" if s in mem_cpu_s else "?"
        short_run = f"{1e6*cpu_s[s]/mx['calls']:.0f}" if s in cpu_s else "?"
        print(f"| {s} | {mems.get(s, 0):.0f} MB | {peak} | {middle} | {long_run} | {short_run} |")
    if mem_cpu_s:
        print(f"| **all four** | | | | {1e6*sum(mem_cpu_s.values())/int(mem_calls):.0f} | {1e6*sum(cpu_s.values())/mx['calls']:.0f} |" if cpu_s else "")
    if "loadCpuSeconds" in mem:
        print(f"\nThe load generator spent {1e6*mem['loadCpuSeconds']/mem['calls']:.0f} µs per call of its own in the memory run.")
    print()
for s, text in profiles.items():
    print(f"### perf profile: {s} (on-CPU samples, self time, top symbols)\n")
    print("```")
    print(text.rstrip())
    print("```\n")

# The hand-written part: what changed, before and after, and what would close each goal not met.
analysis = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench", "analysis.md")
if os.path.exists(analysis):
    print(open(analysis).read().rstrip())
