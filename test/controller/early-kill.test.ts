/**
 * KILL that comes while an iteration is being set up, before its script has started: the run
 * answered it ("Shutting down server..."), so it must end that iteration, not be dropped while
 * the script then runs on (found by the browser view's start-form test: a POST /kill right after
 * the run listened).
 */
import path from 'node:path';
import { expect, it } from 'vitest';
import type { ControllerPorts } from '../../src/actors/controller/run-controller.js';
import { RunController } from '../../src/actors/controller/run-controller.js';
import { controllerPlan } from '../helpers/controller-plan.js';
import { PY_FIXTURES } from '../helpers/rex-cli.js';

const plan = controllerPlan({
  uuid: 'u-early-kill',
  // Waits 60 s unless stopped: an iteration that ends at once was ended by the KILL.
  scriptPath: path.join(PY_FIXTURES, 'idle.py'),
  stopGraceMs: 2000,
});

it('a KILL before the script has started ends the iteration once it starts (kill-command)', async () => {
  let controller: RunController | undefined;
  const ports: ControllerPorts = {
    // The KILL lands while the iteration's journal is being opened.
    beginIteration: async () => controller!.kill(),
    endIteration: async () => {},
    settleLines: async () => {},
    storeFollowing: async () => {},
    finalizeFile: async () => null,
    sessionState: async () => ({ sessionSeen: true, meta: undefined }),
    iterationChanged: () => {},
    scriptStarted: () => {},
    scriptOutput: () => {},
    now: () => 0n,
    log: () => {},
  };
  controller = new RunController(plan, ports);
  const started = Date.now();
  const outcome = await controller.run();
  expect(outcome.iterations).toHaveLength(1);
  expect(outcome.iterations[0]!.reason).toBe('kill-command');
  // Stopped at once (SIGTERM, well within its grace), not after idle.py's 60 s.
  expect(Date.now() - started).toBeLessThan(30_000);
}, 40_000);
