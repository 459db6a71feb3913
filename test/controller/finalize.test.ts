/**
 * The controller asks the file-writer for the final file through the file-writer's restarts
 * (src/actors/controller/finalize.ts). Real supervisor, real worker threads: the chaos fixture
 * stands in for the file-writer, dies mid-request and takes a while to come back each time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Bus } from '../../src/bus/bus.js';
import { FileWriterWatch, finalizeThroughRestarts } from '../../src/actors/controller/finalize.js';
import { Supervisor } from '../../src/host/supervisor/supervisor.js';
import type { ChaosData } from '../fixtures/actors/chaos.js';
import { fixture, testHub, type TestHub } from '../bus/helpers.js';

const running: { hub: TestHub; supervisor: Supervisor; watch: FileWriterWatch }[] = [];

afterEach(async () => {
  for (const { hub, supervisor, watch } of running.splice(0)) {
    watch.close();
    await supervisor.stopAll();
    hub.close();
  }
});

async function fileWriter(data: ChaosData, maxRestarts: number) {
  const hub = testHub({ validate: true });
  const supervisor = new Supervisor({ hub, restart: { maxRestarts, windowMs: 60_000, initialBackoffMs: 10, maxBackoffMs: 20 } });
  const bus = hub.bus as unknown as Bus;
  const watch = new FileWriterWatch(bus);
  running.push({ hub, supervisor, watch });
  await supervisor.start({ name: 'file-writer', entry: fixture('chaos'), data: { serveFinalize: true, ...data } });
  const warnings: string[] = [];
  // Retries of a file-writer that stayed up: too few and too short to outlast one restart.
  const finalize = () =>
    finalizeThroughRestarts(bus, watch, 'loop-1.rexj', (_, m) => warnings.push(m), { restarts: 3, attempts: 2, pauseMs: 10 });
  return { finalize, warnings };
}

describe('finalizing through file-writer restarts', () => {
  it('waits for each restart, however long it takes, and gets the file', async () => {
    const { finalize, warnings } = await fileWriter({ crashWhileRestartsBelow: 2, bootBusyMs: 1_000 }, 5);
    await expect(finalize()).resolves.toBe('loop-1.rexj#2');
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/the file-writer was restarted: asking it again$/);
  }, 30_000);

  it('gives up when the file-writer died too many times on this file, even within its budget', async () => {
    const { finalize, warnings } = await fileWriter({}, 10);
    await expect(finalize()).rejects.toThrow();
    expect(warnings).toHaveLength(3);
  }, 30_000);

  it('gives up once the supervisor gives up on the file-writer', async () => {
    const { finalize } = await fileWriter({}, 1);
    await expect(finalize()).rejects.toThrow();
  }, 30_000);
});
