/**
 * The run host's start-up with the real actor threads: every actor's thread starts at
 * once, the controller's too, which waits for its plan until rex listens (issue 15, start-up).
 * rex listens once the ingest is READY; the journal's followers may still be starting then, and a
 * request for them waits for them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it, onTestFinished } from 'vitest';

// From dist/ (`npm run build`), like the system tests: the actors' threads start from compiled entries.
const { RunHost } = (await import(
  new URL('../../dist/host/run/run-host.js', import.meta.url).href
)) as typeof import('../../src/host/run/run-host.js');

it('the controller starts with the data actors and, when rex ends without a run, stops without one', async () => {
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-run-host-'));
  onTestFinished(() => fs.rmSync(storeDir, { recursive: true, force: true }));
  const host = new RunHost({ host: '127.0.0.1', port: 0, portFallback: false, subsampling: false });
  let finished = false;
  host.bus.on('run.finished').subscribe(() => (finished = true));

  const { port } = await host.open(storeDir);
  expect(port).toBeGreaterThan(0);
  expect(host.supervisor.status('ingest')?.status).toBe('ready');
  for (const actor of ['store', 'file-writer']) expect(['starting', 'ready']).toContain(host.supervisor.status(actor)?.status);
  // Asked at once, the store answers once it is up (the hub holds the request meanwhile).
  // (Its serve calls reach the hub before its READY does.)
  await expect(host.bus.request('store.session', {})).resolves.toBeDefined();
  // Spawned in open(), not in run(): its modules load while the others start; READY needs the plan.
  expect(host.supervisor.status('controller')?.status).toBe('starting');

  await host.close();
  expect(host.supervisor.status('controller')?.status).toBe('stopped');
  expect(finished).toBe(false);
});
