/**
 * The Live tab's log: the run's last lines as they come (./run-log.ts), in a box that scrolls and
 * follows the newest line unless the reader has scrolled up. Once the run has ended without any
 * live line (a server without the `log` event), `GET /run`'s `log_tail`.
 */
import { useEffect, useRef } from 'preact/hooks';
import type { RunInfo } from './model';
import type { RunLog } from './run-log';

export function LogPanel({ run, log }: { run: RunInfo | null; log: RunLog }) {
  const box = useRef<HTMLPreElement>(null);
  // Whether the box is scrolled to its end: then it stays there as lines come.
  const atEnd = useRef(true);
  const lines = log.id === run?.id && log.lines.length > 0 ? log.lines : (run?.logTail ?? []);
  useEffect(() => {
    if (box.current && atEnd.current) box.current.scrollTop = box.current.scrollHeight;
  });
  return (
    <section class="panel log" id="log">
      <h2>Log</h2>
      {lines.length > 0 ? (
        <pre
          ref={box}
          data-lines={lines.length}
          onScroll={(e) => {
            const el = e.currentTarget;
            atEnd.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 4;
          }}
        >
          {lines.join('\n')}
        </pre>
      ) : (
        <p class="muted">The run's log lines are shown here as they come.</p>
      )}
    </section>
  );
}
