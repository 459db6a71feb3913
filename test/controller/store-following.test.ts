/**
 * rex does not wait for the store before the script starts. An iteration's end must wait until
 * the store follows its journal: once it has ended, `run.current` no longer names that journal,
 * and a store that came up later would never sum the iteration up (found by run-feedback's
 * two-loop dry run, whose first loop can end before the store is up).
 */
import path from 'node:path';
import { expect, it } from 'vitest';
import type { ControllerPorts } from '../../src/actors/controller/run-controller.js';
import { RunController } from '../../src/actors/controller/run-controller.js';
import { controllerPlan } from '../helpers/controller-plan.js';
import { PY_FIXTURES } from '../helpers/rex-cli.js';

it('an iteration ends only once the store follows its journal, and the next begins after', async () => {
  const events: string[] = [];
  let storeUp!: () => void;
  const storeStarted = new Promise<void>((resolve) => (storeUp = resolve));
  const ports: ControllerPorts = {
    beginIteration: async (journalPath) => void events.push(`begin ${path.basename(journalPath)}`),
    endIteration: async () => void events.push('end record'),
    settleLines: async () => {},
    storeFollowing: () => {
      events.push('store asked');
      return storeStarted;
    },
    finalizeFile: async () => null,
    sessionState: async () => ({ sessionSeen: true, meta: undefined }),
    iterationChanged: (event) => void events.push(`${event.phase} ${event.loop + 1}`),
    scriptStarted: () => {},
    scriptOutput: () => {},
    now: () => 0n,
    log: () => {},
  };
  const plan = controllerPlan({ uuid: 'u-store-following', scriptPath: path.join(PY_FIXTURES, 'scalars.py'), loops: 2, dryRun: true });
  const run = new RunController(plan, ports).run();
  while (!events.includes('store asked')) await new Promise((resolve) => setTimeout(resolve, 20));
  await new Promise((resolve) => setTimeout(resolve, 200));
  // The first script has ended and its journal is closed; the iteration waits for the store.
  expect(events).toEqual(['begin loop-1.rexj', 'started 1', 'end record', 'store asked']);
  storeUp();
  const outcome = await run;
  expect(outcome.iterations).toHaveLength(2);
  expect(events.slice(4)).toEqual(['ended 1', 'begin loop-2.rexj', 'started 2', 'end record', 'store asked', 'ended 2']);
}, 30_000);
