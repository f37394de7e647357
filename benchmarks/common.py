"""Pieces shared by the HTTP benchmarks: PostgreSQL bench databases, gunicorn, CPU accounting."""
import multiprocessing as mp
import os
import signal
import socket
import subprocess
import sys
import time
from http.client import HTTPConnection
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


def machine():
    from benchmarks.run import machine as m

    return m()


# --- database -----------------------------------------------------------------------------------
def recreate_database(name):
    """A fresh, empty bench database (any previous one of that name is dropped first)."""
    import psycopg2

    drop_database(name)
    conn = psycopg2.connect(dbname="postgres", **PG)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def drop_database(name):
    """Drop a bench database (its open sessions are ended first)."""
    import psycopg2

    conn = psycopg2.connect(dbname="postgres", **PG)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name])
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
    conn.close()


def pg_backends(dbname):
    import psycopg2

    conn = psycopg2.connect(dbname="postgres", **PG)
    with conn.cursor() as cur:
        cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [dbname])
        pids = [r[0] for r in cur.fetchall()]
    conn.close()
    return pids


# --- CPU accounting (robust to other work on the machine, unlike wall-clock throughput) ---------
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def proc_cpu(pid):
    """User + system CPU seconds of one process (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICK
    except (OSError, IndexError, ValueError):
        return 0.0


def children(pid):
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class CpuMeter:
    """CPU seconds used by the gunicorn workers and by one database's PostgreSQL backends."""

    def __init__(self, master_pid, dbname):
        self.master, self.dbname = master_pid, dbname

    def sample(self):
        web = {p: proc_cpu(p) for p in children(self.master)}
        pg = {p: proc_cpu(p) for p in pg_backends(self.dbname)}
        return web, pg

    @staticmethod
    def delta(before, after):
        def d(a, b):
            return sum(max(0.0, b[p] - a.get(p, 0.0)) for p in b)
        return d(before[0], after[0]), d(before[1], after[1])


# --- server ----------------------------------------------------------------------------------------
def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(*, env, port, log_path, workers=2, worker_class="gthread", threads=4, access_log=False):
    cmd = [str(Path(sys.executable).parent / "gunicorn"), "netfloox.wsgi:application", "--bind",
           f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class", worker_class,
           "--access-logfile", "-" if access_log else "/dev/null", "--error-logfile", str(log_path),
           "--keep-alive", "30", "--backlog", "2048"]
    if worker_class == "gthread":
        cmd += ["--threads", str(threads)]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                            start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            c = HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return proc
        except OSError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {Path(log_path).read_text()[-3000:]}")
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz")


def stop(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def flush_redis(db):
    import redis

    redis.Redis(host="127.0.0.1", port=6379, db=db).flushdb()


def percentile(sorted_values, q):
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def run_clients(target, args_of, *, procs, warmup, duration, meter=None):
    """Start `procs` spawned client processes `target(*args_of(i, start_at, stop_at, warm_until, queue))`,
    sample the server's CPU over the measured window only, and collect what each put on the queue.
    Returns (results, (web_cpu_s, pg_cpu_s) or None)."""
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    start_at = time.time() + 2.0  # let every process spawn first
    warm_until = start_at + warmup
    stop_at = warm_until + duration
    ps = [ctx.Process(target=target, args=args_of(i, start_at, stop_at, warm_until, out)) for i in range(procs)]
    for p in ps:
        p.start()
    cpu = None
    if meter is not None:
        time.sleep(max(0.0, warm_until - time.time()))
        before = meter.sample()
        time.sleep(max(0.0, stop_at - time.time()))
        cpu = CpuMeter.delta(before, meter.sample())
    results = []
    for _ in ps:
        results += out.get(timeout=duration + warmup + 300)
    for p in ps:
        p.join()
    return results, cpu


def worker_memory(master_pid):
    """[{pid, rss_mb, pss_mb}] of the child processes of `master_pid` (gunicorn's workers), from
    /proc: RSS counts every page a worker maps (pages of a memory-mapped model it shares with
    the other workers included); PSS divides each shared page among the processes mapping it."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) != master_pid:
                continue
            pid = int(stat.parent.name)
            kb = {}
            for line in (stat.parent / "smaps_rollup").read_text().splitlines()[1:]:
                name, value = line.split(":", 1)
                kb[name] = int(value.split()[0])
            out.append({"pid": pid, "rss_mb": kb.get("Rss", 0) / 1024, "pss_mb": kb.get("Pss", 0) / 1024})
        except (OSError, ValueError, IndexError):
            continue
    return sorted(out, key=lambda w: w["pid"])
