/**
 * Background threads (journal followers, sinks, the parse pool) yield the CPU to the threads on
 * the reply path (the main thread's sockets, the ingest): on a 2-core machine a reader catching
 * up on a 10 MB line, or a live-file render, would otherwise delay other clients' replies by
 * hundreds of milliseconds. Linux only (a thread's own nice value, set through its thread id);
 * elsewhere, or when refused, nothing changes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Niceness of background threads: they still get ~10 % of a busy core each, never starve. */
const BACKGROUND_NICENESS = 10;

/** `niceness`: higher for work that may wait for an idle moment (19: the lowest priority). */
export function runThisThreadInBackground(niceness = BACKGROUND_NICENESS): void {
  if (process.platform !== 'linux') return;
  try {
    const threadId = Number(path.basename(fs.readlinkSync('/proc/thread-self')));
    // Never raised: under `nice -n 15 rex …` (or as root, who may raise it) a background thread
    // must not end up ahead of the reply path's threads, which keep the process's value.
    if (Number.isInteger(threadId) && threadId > 0) os.setPriority(threadId, Math.max(niceness, os.getPriority(threadId)));
  } catch {
    // No /proc, or not allowed: the thread keeps the process's priority.
  }
}
