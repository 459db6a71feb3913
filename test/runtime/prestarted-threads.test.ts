/**
 * Threads started ahead of their actor (src/host/supervisor/prestarted-threads.ts), with real
 * worker threads: the supervisor adopts one for an actor's first start and sends it its INIT;
 * a restart gets a new thread; one that failed to load is not adopted, and the supervisor's own
 * start reports the failure as it would have; one never adopted does not keep the process alive.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { errorCode } from '../../src/errors.js';
import { actorWorker } from '../../src/host/supervisor/actor-worker.js';
import { adoptPrestarted, prestartThreads } from '../../src/host/supervisor/prestarted-threads.js';
import { Supervisor } from '../../src/host/supervisor/supervisor.js';
import { fixture, record, testHub, type TestHub } from '../bus/helpers.js';

const running: { hub: TestHub; supervisor: Supervisor }[] = [];

afterEach(async () => {
  for (const { hub, supervisor } of running.splice(0)) {
    await supervisor.stopAll();
    hub.close();
  }
});

function setup() {
  const hub = testHub({ validate: true });
  const supervisor = new Supervisor({
    hub,
    heartbeatIntervalMs: 20,
    restart: { maxRestarts: 5, windowMs: 60_000, initialBackoffMs: 10, maxBackoffMs: 80 },
  });
  running.push({ hub, supervisor });
  return { hub, supervisor, statuses: record(hub.bus, 'actor.status'), logs: record(hub.bus, 'log') };
}

it('the supervisor adopts a prestarted thread: the actor runs in it, with the data and bus port of its INIT', async () => {
  const { hub, supervisor } = setup();
  const [prestartedId] = prestartThreads([fixture('probe')]);
  await supervisor.start({ name: 'p', entry: fixture('probe'), data: { serve: ['test.echo'] } });
  expect(supervisor.status('p')?.threadId).toBe(prestartedId);
  await expect(hub.bus.request('test.echo', { x: 42 })).resolves.toEqual({ x: 42 });
});

it('a restart gets a new thread, not a prestarted one', async () => {
  const { supervisor, statuses, logs } = setup();
  const entry = fixture('chaos');
  const [prestartedId] = prestartThreads([entry]);
  await supervisor.start({ name: 'c', entry, data: { crashAfterMs: 30, crashMode: 'throw', crashWhileRestartsBelow: 1 } });
  expect(supervisor.status('c')?.threadId).toBe(prestartedId);
  // Another thread waiting on the same entry must not be taken for the restart either.
  const [second] = prestartThreads([entry]);
  const again = await statuses.waitFor((s) => s.actor === 'c' && s.status === 'ready' && s.restarts === 1);
  expect([prestartedId, second]).not.toContain(again.threadId);
  await logs.waitFor((l) => l.source === 'c' && l.message === 'chaos started (restartCount=1)');
});

it('a prestarted thread that failed to load is not adopted: the start fails as it would without it, naming the actor', async () => {
  const { supervisor } = setup();
  const missing = new URL('../../dist/no/such/actor.js', import.meta.url);
  prestartThreads([missing]);
  await new Promise((resolve) => setTimeout(resolve, 300)); // its load fails meanwhile
  const error = await supervisor.start({ name: 'ghost', entry: missing }).then(
    () => undefined,
    (e: unknown) => e as Error & { cause?: unknown },
  );
  expect(errorCode(error)).toBe('REX_ACTOR_BOOT_FAILED');
  expect(error?.message).toContain('actor "ghost"');
  expect(errorCode(error?.cause)).toMatch(/MODULE_NOT_FOUND/);
});

it("the file-writer's thread gets its small young generation; other actors' threads V8's defaults", async () => {
  const fileWriter = actorWorker('file-writer');
  const probe = fixture('probe');
  prestartThreads([fileWriter, probe]);
  const fileWriterThread = adoptPrestarted(fileWriter)!;
  const probeThread = adoptPrestarted(probe)!;
  try {
    expect(fileWriterThread.resourceLimits?.maxYoungGenerationSizeMb).toBe(6);
    // Unset: V8 sizes it from the heap (more than 6 MB on any machine that runs rex).
    expect(probeThread.resourceLimits?.maxYoungGenerationSizeMb).not.toBe(6);
  } finally {
    await Promise.all([fileWriterThread.terminate(), probeThread.terminate()]);
  }
});

it('threads never adopted do not keep the process alive', () => {
  const entry = fileURLToPath(fixture('probe'));
  // The build's copy (npm test builds first): a plain node process cannot load the TypeScript.
  const registry = path.resolve(fileURLToPath(import.meta.url), '../../../dist/host/supervisor/prestarted-threads.js');
  const script = `const { prestartThreads } = await import(${JSON.stringify(registry)});
const ids = prestartThreads([new URL(${JSON.stringify(`file://${entry}`)})]);
console.log(ids.length);`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  expect(child.stderr).toBe('');
  expect(child.stdout.trim()).toBe('1');
  expect(child.status).toBe(0);
});
