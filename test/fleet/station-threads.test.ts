// A station's threads, as `top -H` or `ps -T` shows them during a real `rex run` with `[fleet]` (a
// real nats-server): each actor's thread carries its name (src/runtime/thread-name.ts), and only
// the threads off the reply path run at a lower priority (src/runtime/thread-priority.ts): the
// fleet's two at once, before their code loads (their worker.ts).
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsServer } from '../helpers/nats-server.js';
import { counterLines, nameAndNice, waitFor } from '../helpers/processes.js';
import { startStream } from '../helpers/stream-run.js';

let nats: NatsServer;

beforeAll(async () => {
  nats = await NatsServer.start();
});
afterAll(async () => {
  await nats?.dispose();
});

/** Every thread of `pid` with a name other than Node's default, and its nice value. */
function namedThreads(pid: number): Map<string, number> {
  const threads = new Map<string, number>();
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    const { name, nice } = nameAndNice(fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
    if (name !== 'node') threads.set(name, nice);
  }
  return threads;
}

describe.runIf(process.platform === 'linux')("a station's threads", { timeout: 60_000 }, () => {
  it('are named after their actors, and only those off the reply path run niced', async () => {
    // rex inherits this process's nice value; a thread may lower its priority, never raise it.
    const base = nameAndNice(fs.readFileSync('/proc/self/stat', 'utf8')).nice;
    const expected = new Map([
      ['ingest', base],
      ['controller', base],
      ['store', Math.max(base, 10)],
      ['file-writer', Math.max(base, 10)],
      ['fleet-station', Math.max(base, 10)],
      // 15 bytes of "fleet-replicator": what the kernel keeps of a thread's name.
      ['fleet-replicato', Math.max(base, 19)],
    ]);
    const run = await startStream({ env: { REXT_SLEEP: '0.01' }, config: nats.fleetSection('st-threads') });
    await waitFor('20 acknowledgements', () => counterLines(run.ackFile) >= 20);
    const pid = run.rex.child.pid as number;
    // Nothing waits for the fleet's threads, nor for the journal's followers: they may still be starting.
    const settled = (): boolean => [...expected].every(([name, nice]) => namedThreads(pid).get(name) === nice);
    await waitFor('every actor thread at its priority', settled, 20_000).catch(() => {});
    const threads = namedThreads(pid);
    for (const [name, nice] of expected) expect(threads.get(name), name).toBe(nice);
    // The main thread (the socket front) keeps the process's priority.
    expect(nameAndNice(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')).nice).toBe(base);
    run.rex.child.kill('SIGINT');
    const done = await run.rex.done;
    expect(done.code, done.stderr).toBe(130); // interrupted, its data saved
  });
});
