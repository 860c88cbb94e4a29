"""Run a command and measure its wall time, CPU time and peak memory.

Wall time is taken around the run with a monotonic clock. CPU time comes
from wait4(2), so it covers the command and every descendant it waited for
(a shell's children, a host's loader processes). Peak RSS is the largest
of those processes, not their sum.

Peak RSS is read from GNU time (/usr/bin/time -f %M, Debian package
"time") rather than from wait4. A child that Python starts with vfork
shares Python's memory until it calls exec, and the kernel counts that
memory in the child's own peak. GNU time is small and forks normally, so its
child starts with a peak of about 1 MiB. The CPU time includes GNU time's
own, well under a millisecond.
"""

import os
import selectors
import subprocess
import tempfile
import time

GNU_TIME = "/usr/bin/time"


class Measurement:
    """Wall seconds, user and system CPU seconds and peak RSS of one run."""

    def __init__(self, wall=0.0, user=0.0, system=0.0, max_rss_kb=0):
        self.wall = wall
        self.user = user
        self.system = system
        self.max_rss_kb = max_rss_kb
        # CPU seconds the server spent meanwhile, when the caller measured it.
        self.server_cpu = None
        # DynamoDB requests the client sent, when the client reports them.
        self.requests = None

    @property
    def cpu(self):
        return self.user + self.system

    def add(self, other):
        """Return the measurement of this run followed by other."""
        return Measurement(self.wall + other.wall, self.user + other.user,
                           self.system + other.system,
                           max(self.max_rss_kb, other.max_rss_kb))

    def as_dict(self):
        result = {"wall_s": round(self.wall, 4), "user_s": round(self.user, 4),
                  "sys_s": round(self.system, 4), "cpu_s": round(self.cpu, 4),
                  "max_rss_kb": self.max_rss_kb}
        if self.server_cpu is not None:
            result["server_cpu_s"] = round(self.server_cpu, 3)
        if self.requests is not None:
            result["requests"] = self.requests
        return result


class CommandFailed(Exception):
    pass


def run(command, env=None, cwd=None, check=True):
    """Run command; return (Measurement, stdout text, stderr text).

    Raises CommandFailed with the command's stderr when it exits non-zero
    and check is true.
    """
    with tempfile.NamedTemporaryFile("r", prefix="bench-rss-") as rss_file:
        started = time.monotonic()
        process = subprocess.Popen(
            [GNU_TIME, "-f", "%M", "-o", rss_file.name] + list(command), env=env, cwd=cwd,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        # Popen.communicate() would reap the process and lose its rusage,
        # so the pipes are read here and wait4 reaps it.
        stdout, stderr = _read_pipes(process)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - started
        # With returncode set, subprocess does not try to reap the process again.
        process.returncode = os.waitstatus_to_exitcode(status)
        # GNU time writes "Command exited with non-zero status N" or
        # "Command terminated by signal N" before the figure when needed.
        lines = rss_file.read().split()
        max_rss_kb = int(lines[-1]) if lines and lines[-1].isdigit() else 0

    measurement = Measurement(wall, usage.ru_utime, usage.ru_stime, max_rss_kb)
    out_text = stdout.decode("utf-8", "replace")
    err_text = stderr.decode("utf-8", "replace")
    if check and process.returncode != 0:
        raise CommandFailed("%s exited with %d:\n%s" % (
            " ".join(command[:3]), process.returncode, err_text.strip()[-2000:]))
    return measurement, out_text, err_text


def _read_pipes(process):
    """Read stdout and stderr to the end without reaping the process."""
    chunks = {process.stdout: [], process.stderr: []}
    selector = selectors.DefaultSelector()
    for pipe in chunks:
        selector.register(pipe, selectors.EVENT_READ)
    while selector.get_map():
        for key, _ in selector.select():
            data = os.read(key.fileobj.fileno(), 65536)
            if data:
                chunks[key.fileobj].append(data)
            else:
                selector.unregister(key.fileobj)
                key.fileobj.close()
    return b"".join(chunks[process.stdout]), b"".join(chunks[process.stderr])
