/** A RunPlan for the controller's own tests: a dry run with nothing on disk, `overrides` on top. */
import type { RunPlan } from '../../src/actors/controller/run-plan.js';

export function controllerPlan(overrides: Partial<RunPlan>): RunPlan {
  return {
    uuid: 'u-controller-test',
    scriptPath: '/nowhere/script.py',
    interpreter: 'python3',
    loops: 1,
    delayMinutes: 0,
    dryRun: true,
    outputDir: '/nowhere',
    journalDir: '/nowhere',
    storeDir: '/nowhere',
    port: 0,
    scriptEnv: {},
    scriptLogLevel: 'INFO',
    validations: [],
    runRecord: {},
    stopGraceMs: 1000,
    ...overrides,
  };
}
