// Background threads lower their own CPU priority (Linux nice, per thread), and only their own:
// the threads on the reply path keep theirs.
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { nameAndNice } from '../helpers/processes.js';

/** The nice value of the calling thread. */
function niceOfThisThread(): number {
  return nameAndNice(fs.readFileSync('/proc/thread-self/stat', 'utf8')).nice;
}

/**
 * In a fresh worker: sets its own nice value to `startAt` (if given), then calls
 * runThisThreadInBackground(); its nice value before and after the call.
 */
async function inWorker(startAt?: number): Promise<{ was: number; now: number }> {
  // The built module (`npm test` builds first): a plain worker cannot load TypeScript.
  const moduleUrl = new URL('../../dist/runtime/thread-priority.js', import.meta.url).href;
  const worker = new Worker(
    `import(${JSON.stringify(moduleUrl)}).then(({ runThisThreadInBackground }) => {
       const fs = require('node:fs');
       const nice = () => { const s = fs.readFileSync('/proc/thread-self/stat', 'utf8'); return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[16]); };
       const startAt = ${JSON.stringify(startAt ?? null)};
       if (startAt !== null) require('node:os').setPriority(Number(fs.readlinkSync('/proc/thread-self').split('/').pop()), startAt);
       const was = nice();
       runThisThreadInBackground();
       require('node:worker_threads').parentPort.postMessage({ was, now: nice() });
     });`,
    { eval: true },
  );
  try {
    return await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  } finally {
    await worker.terminate();
  }
}

describe.runIf(process.platform === 'linux')('runThisThreadInBackground', () => {
  it('lowers the calling worker thread to nice 10 and leaves the main thread alone', async () => {
    const before = niceOfThisThread();
    const seen = await inWorker();
    expect(seen.was).toBe(before);
    // A thread may always lower its priority; raising it back needs privileges.
    expect(seen.now).toBe(Math.max(before, 10));
    expect(niceOfThisThread()).toBe(before);
  });

  it('never raises a thread already lower (`nice -n 15 rex …`), even where raising is allowed', async () => {
    const seen = await inWorker(15);
    expect(seen.was).toBe(Math.max(niceOfThisThread(), 15));
    expect(seen.now).toBe(seen.was);
  });
});
