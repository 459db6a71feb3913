// A station's threads, as `top -H` or `ps -T` shows them during a real `rex run` with `[fleet]` (a
// real nats-server): each actor's thread carries its name (src/runtime/thread-name.ts), and only
// the threads off the reply path run at a lower priority (src/runtime/thread-priority.ts): the
// fleet's two at once, before their code loads (their worker.ts).
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsServer } from '../helpers/nats-server.js';
import { counterLines, waitFor } from '../helpers/processes.js';
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
    const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    // Field 19 (nice), the 17th after the name's closing parenthesis.
    const nice = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    if (name !== 'node') threads.set(name, nice);
  }
  return threads;
}

const EXPECTED = new Map([
  ['ingest', 0],
  ['controller', 0],
  ['store', 10],
  ['file-writer', 10],
  ['fleet-station', 10],
  // 15 bytes of "fleet-replicator": what the kernel keeps of a thread's name.
  ['fleet-replicato', 19],
]);

describe.runIf(process.platform === 'linux')("a station's threads", { timeout: 60_000 }, () => {
  it('are named after their actors, and only those off the reply path run niced', async () => {
    const run = await startStream({ env: { REXT_SLEEP: '0.01' }, config: nats.fleetSection('st-threads') });
    await waitFor('20 acknowledgements', () => counterLines(run.ackFile) >= 20);
    const pid = run.rex.child.pid as number;
    // Nothing waits for the fleet's threads: they may still be starting.
    await waitFor('every actor thread', () => [...EXPECTED.keys()].every((name) => namedThreads(pid).has(name)), 20_000);
    const threads = namedThreads(pid);
    for (const [name, nice] of EXPECTED) expect(threads.get(name), name).toBe(nice);
    // The main thread keeps the process's priority.
    const main = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    expect(Number(main.slice(main.lastIndexOf(')') + 2).split(' ')[16])).toBe(0);
    run.rex.child.kill('SIGINT');
    const done = await run.rex.done;
    expect(done.code, done.stderr).toBe(130); // interrupted, its data saved
  });
});
