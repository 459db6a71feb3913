// Background threads lower their own CPU priority (Linux nice, per thread), and only their own:
// the threads on the reply path keep theirs.
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';

/** The nice value of the calling thread (field 19 of /proc/thread-self/stat). */
function niceOfThisThread(): number {
  const stat = fs.readFileSync('/proc/thread-self/stat', 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

describe.runIf(process.platform === 'linux')('runThisThreadInBackground', () => {
  it('lowers the calling worker thread to nice 10 and leaves the main thread alone', async () => {
    const before = niceOfThisThread();
    // The built module (`npm test` builds first): a plain worker cannot load TypeScript.
    const moduleUrl = new URL('../../dist/runtime/thread-priority.js', import.meta.url).href;
    const worker = new Worker(
      `import(${JSON.stringify(moduleUrl)}).then(({ runThisThreadInBackground }) => {
         const fs = require('node:fs');
         const nice = () => { const s = fs.readFileSync('/proc/thread-self/stat', 'utf8'); return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[16]); };
         const was = nice();
         runThisThreadInBackground();
         require('node:worker_threads').parentPort.postMessage({ was, now: nice() });
       });`,
      { eval: true },
    );
    const seen = await new Promise<{ was: number; now: number }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(seen.was).toBe(before);
    expect(seen.now).toBe(10);
    expect(niceOfThisThread()).toBe(before);
  });
});
