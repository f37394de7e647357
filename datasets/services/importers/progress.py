"""A tiny progress printer (rows and rows/s) for the import commands — tqdm is not a dependency."""
import sys
import time


class Progress:
    """Prints `label: 1,234,567 rows  210,345 rows/s` to a stream, at most every `every` seconds.

    On a terminal the line is rewritten in place; otherwise one line is printed per interval.
    `enabled=False` (verbosity 0) prints nothing. Use as the `progress` callback of the importers:
    ``progress(label, rows)`` with the rows read so far in that part.
    """

    def __init__(self, stream=None, *, enabled=True, every=0.5):
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.every = every
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._label = None
        self._start = self._last = 0.0
        self._rows = 0
        if not self.tty:
            self.every = max(every, 5.0)

    def _line(self, now):
        elapsed = max(now - self._start, 1e-9)
        return f"{self._label}: {self._rows:,} rows  {self._rows / elapsed:,.0f} rows/s"

    def __call__(self, label, rows):
        if not self.enabled:
            return
        now = time.monotonic()
        if label != self._label:
            self.done()
            self._label, self._start, self._last = label, now, now
        self._rows = rows
        if now - self._last >= self.every:
            self._last = now
            self._write(self._line(now))

    def _write(self, text):
        if self.tty:
            self.stream.write("\r" + text.ljust(70))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def done(self):
        """Finish the current part with its final count and rate."""
        if self.enabled and self._label is not None:
            self._write(self._line(time.monotonic()) + "  done")
            if self.tty:
                self.stream.write("\n")
                self.stream.flush()
        self._label = None


def run_report(run, *, max_errors=20) -> tuple[str, str]:
    """(summary for stdout, rejected rows for stderr) of a finished ImportRun, for the commands."""
    head = (f"{run.source} import #{run.pk} {run.status} in {run.duration_s or 0:.1f}s: "
            f"{run.rows_read:,} read, {run.rows_inserted:,} inserted, {run.rows_updated:,} updated, "
            f"{run.rows_unchanged:,} unchanged, {run.rows_rejected:,} rejected, {run.rows_skipped:,} skipped")
    body = "\n".join("  " + line for line in (run.message or "").splitlines())
    errs = ""
    if run.errors:
        shown = run.errors[:max_errors]
        lines = [f"{e['file']}:{e['line']}: {e['reason']}" for e in shown]
        more = run.rows_rejected - len(shown)
        if more > 0:
            lines.append(f"… and {more:,} more rejected row(s) (the first {len(run.errors)} are in ImportRun #{run.pk})")
        errs = "\n".join(lines)
    return head + ("\n" + body if body else ""), errs
