/**
 * Names the calling thread after what it runs, so that `top -H`, `ps -T` and the benchmarks'
 * per-thread figures say "ingest" or "store" where they said "node". Linux only (the thread's
 * own `comm`, at most 15 bytes: longer names are cut); elsewhere, or when refused, nothing changes.
 */
import fs from 'node:fs';

/** The kernel keeps 15 bytes of a thread's name (TASK_COMM_LEN less its terminating NUL). */
const MAX_NAME_BYTES = 15;

export function nameThisThread(name: string): void {
  if (process.platform !== 'linux') return;
  try {
    fs.writeFileSync('/proc/thread-self/comm', Buffer.from(name).subarray(0, MAX_NAME_BYTES));
  } catch {
    // No /proc, or not allowed: the thread keeps the name it had.
  }
}
