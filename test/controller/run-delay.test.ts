/**
 * `--delay`: the controller waits that long before the first loop, on its clock (a ManualClock
 * here: minutes elapse at once), and an interrupt during the wait ends the run before any loop.
 * End to end on real time: test/system/run-options.test.ts ("--delay 0.02").
 */
import { describe, expect, it } from 'vitest';
import { RunController, type ControllerPorts } from '../../src/actors/controller/run-controller.js';
import type { RunPlan } from '../../src/actors/controller/run-plan.js';
import { controllerPlan } from '../helpers/controller-plan.js';
import { ManualClock } from '../helpers/manual-clock.js';

function plan(loops: number, delayMinutes: number): RunPlan {
  return controllerPlan({ uuid: 'u-delay', loops, delayMinutes });
}

/** Ports for a run that never reaches a loop: anything but a log line fails the test. */
function portsWithoutLoops(logs: string[]): ControllerPorts {
  const never = (what: string) => () => {
    throw new Error(`a loop started (${what})`);
  };
  return {
    beginIteration: never('beginIteration'),
    endIteration: never('endIteration'),
    settleLines: never('settleLines'),
    storeFollowing: never('storeFollowing'),
    finalizeFile: never('finalizeFile'),
    sessionState: never('sessionState'),
    iterationChanged: never('iterationChanged'),
    scriptStarted: never('scriptStarted'),
    scriptOutput: never('scriptOutput'),
    now: () => 0n,
    log: (_level, message) => logs.push(message),
  };
}

/** Whether `promise` has settled, after the microtasks a settled wait would need. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('--delay', () => {
  it('waits the delay on the controller clock before the first loop', async () => {
    const clock = new ManualClock();
    const logs: string[] = [];
    const controller = new RunController(plan(0, 2), portsWithoutLoops(logs), undefined, clock);
    const outcome = controller.run();
    expect(logs).toEqual(['waiting 2 minute(s) before the first loop']);
    clock.advance(2 * 60_000 - 1);
    expect(await settled(outcome)).toBe(false);
    clock.advance(1);
    expect(await settled(outcome)).toBe(true);
    await expect(outcome).resolves.toMatchObject({ iterations: [], interrupted: false });
  });

  it('a delay longer than a timer holds (2^31 ms, about 24.8 days) is waited out, not started at once', async () => {
    const clock = new ManualClock();
    const minutes = 60 * 24 * 60; // 60 days
    const controller = new RunController(plan(0, minutes), portsWithoutLoops([]), undefined, clock);
    const outcome = controller.run();
    clock.advance(1);
    expect(await settled(outcome)).toBe(false);
    clock.advance(minutes * 60_000 - 2);
    expect(await settled(outcome)).toBe(false);
    clock.advance(1);
    expect(await settled(outcome)).toBe(true);
  });

  it('KILL during the wait ends the run before any loop (not interrupted)', async () => {
    const clock = new ManualClock();
    const logs: string[] = [];
    const controller = new RunController(plan(3, 60 * 24 * 60), portsWithoutLoops(logs), undefined, clock);
    const outcome = controller.run();
    clock.advance(60_000);
    controller.kill();
    await expect(outcome).resolves.toMatchObject({ iterations: [], interrupted: false });
    expect(clock.pending).toBe(0);
    expect(logs).toContain('KILL during the delay: the run ends before its first loop');
  });

  it('an interrupt during the wait ends the run before any loop', async () => {
    const clock = new ManualClock();
    const controller = new RunController(plan(3, 10), portsWithoutLoops([]), undefined, clock);
    const outcome = controller.run();
    clock.advance(60_000);
    controller.interrupt();
    await expect(outcome).resolves.toMatchObject({ iterations: [], interrupted: true });
    expect(clock.pending).toBe(0); // the wait was cancelled, not left to fire
  });
});
