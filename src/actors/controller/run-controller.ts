/**
 * Owns a run's lifecycle (SPEC §3): delay, loops, starting and stopping the script, validation,
 * and the order of the end of an iteration — stop the script, let late lines land, close the
 * journal, write the final file. Free of the bus: the actor wires `ControllerPorts` to it.
 */
import path from 'node:path';
import type { JsonObject } from '../../protocol/messages.js';
import { setLongTimeout, sleepOn, systemClock, type Clock } from '../../runtime/clock.js';
import type { RunEndRecord, RunStartRecord } from '../../runtime/journal/codec.js';
import type { IterationEndReason, IterationOutcome, RunOutcome, RunPlan } from './run-plan.js';
import { ScriptProcess, scriptLaunchCommand, type ScriptExit, type ScriptOutputLine } from './script-process.js';
import { validateSessionMeta } from './validation.js';
import { collectRunFacts, type RunFacts } from './run-facts.js';

export interface ControllerPorts {
  beginIteration(journalPath: string, runStart: RunStartRecord): Promise<void>;
  endIteration(runEnd: RunEndRecord): Promise<void>;
  finalizeFile(journalPath: string): Promise<string | null>;
  sessionState(): Promise<{ sessionSeen: boolean; meta: JsonObject | undefined }>;
  /**
   * Resolves once the store follows the iteration's journal, or cannot. rex does not wait for the
   * store before the script starts, and once the iteration has ended `run.current` no longer
   * names its journal: a store still starting would never read it, nor sum it up at the end.
   */
  storeFollowing(): Promise<void>;
  /** Lines the script sent before it exited are read and handed to the ingest (at most `maxWaitMs`). */
  settleLines(maxWaitMs: number): Promise<void>;
  iterationChanged(event: {
    phase: 'started' | 'ended';
    loop: number;
    loops: number;
    journalPath: string;
    outputFile?: string | null;
  }): void;
  scriptStarted(pid: number | null): void;
  scriptOutput(line: ScriptOutputLine): void;
  log(level: 'error' | 'warn' | 'info' | 'debug', message: string): void;
  now(): bigint;
}

/** Validation schedule of the original: first check after 1 s, then two retries 5 s apart. */
export const VALIDATION_SCHEDULE_MS = [1000, 5000, 5000];
/** The longest wait for lines already in flight when the script stops to be read (`settleLines`). */
const LATE_LINES_MS = 300;

type StopRequest = { reason: Exclude<IterationEndReason, 'script-exit'>; force: boolean; detail?: string };

export class RunController {
  private stopCurrent: ((request: StopRequest) => void) | null = null;
  /** `[session.run]` facts learned while the script runs: the end record's `run`. */
  private facts: Promise<RunFacts> | undefined;
  /** The script of the iteration in progress (a forced stop must reach it mid-grace-period). */
  private currentScript: ScriptProcess | null = null;
  private cancelled = false;
  private forced = false;
  /** Set while the delay is waited out. */
  private wakeDelay: (() => void) | null = null;
  private killedInDelay = false;
  /** A KILL that came while an iteration was being set up (no script yet): it ends that iteration. */
  private killPending = false;

  constructor(
    private readonly plan: RunPlan,
    private readonly ports: ControllerPorts,
    private readonly validationScheduleMs = VALIDATION_SCHEDULE_MS,
    /** Times the delay before the first loop and the validation schedule. */
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * KILL over TCP (or HTTP): end the current iteration gracefully; later loops still run. During
   * the delay there is no iteration yet: KILL ends the wait and the run, before any loop (a run
   * started over HTTP with a long delay has no other way to be stopped). While an iteration is
   * being set up (its script not started yet), KILL ends that iteration as soon as it starts.
   */
  kill(): void {
    if (this.wakeDelay) {
      this.ports.log('info', 'KILL during the delay: the run ends before its first loop');
      this.killedInDelay = true;
      this.wakeDelay();
      return;
    }
    if (this.stopCurrent) this.stopCurrent({ reason: 'kill-command', force: false });
    // Answered "Shutting down server..." already: it must not be lost because the script has not started yet.
    else this.killPending = true;
  }

  /** Ctrl-C / SIGTERM: end the current iteration and cancel the rest; a second one forces it. */
  interrupt(): void {
    const force = this.cancelled;
    this.cancelled = true;
    this.forced ||= force;
    this.wakeDelay?.();
    this.stopCurrent?.({ reason: 'interrupted', force });
    // A stop already under way waits out the grace period: forcing means not waiting.
    if (force && this.currentScript) {
      this.ports.log('warn', 'interrupted again: killing the script now');
      this.currentScript.kill();
    }
  }

  /** The run cannot go on (an actor was given up on): save what there is and stop. */
  abort(detail: string): void {
    this.cancelled = true;
    this.wakeDelay?.();
    this.stopCurrent?.({ reason: 'fatal', force: false, detail });
  }

  async run(): Promise<RunOutcome> {
    const outcome: RunOutcome = { uuid: this.plan.uuid, dryRun: this.plan.dryRun, iterations: [], interrupted: false };
    if (this.plan.delayMinutes > 0) {
      this.ports.log('info', `waiting ${this.plan.delayMinutes} minute(s) before the first loop`);
      await this.sleepInterruptibly(this.plan.delayMinutes * 60_000);
    }
    for (let loop = 0; loop < this.plan.loops && !this.cancelled && !this.killedInDelay; loop++) {
      outcome.iterations.push(await this.runIteration(loop));
    }
    outcome.interrupted = this.cancelled;
    return outcome;
  }

  private async runIteration(loop: number): Promise<IterationOutcome> {
    const { plan, ports } = this;
    const journalPath = path.join(plan.journalDir, `loop-${loop + 1}.rexj`);
    const runStart: RunStartRecord = {
      uuid: plan.uuid,
      loop,
      loops: plan.loops,
      startTimeNs: ports.now().toString(),
      outputDir: plan.outputDir,
      dryRun: plan.dryRun,
      metaJson: plan.metaJson,
      ...(plan.metaJsonFloats ? { metaJsonFloats: plan.metaJsonFloats } : {}),
      run: { ...plan.runRecord, loop: loop + 1, loops: plan.loops },
    };
    await ports.beginIteration(journalPath, runStart);
    ports.iterationChanged({ phase: 'started', loop, loops: plan.loops, journalPath });
    if (plan.loops > 1) ports.log('info', `loop ${loop + 1} of ${plan.loops}`);

    const stopRequested = new Promise<StopRequest>((resolve) => (this.stopCurrent = resolve));
    const script = this.startScript();
    // Learned once, while the first script runs (./run-facts.ts): its processes never delay a start.
    this.facts ??= collectRunFacts(plan.interpreter, plan.scriptPath);
    const facts = this.facts;
    this.currentScript = script;
    ports.scriptStarted(script.pid ?? null);
    const validation = this.watchValidation(stopRequested);
    if (this.cancelled) this.stopCurrent?.({ reason: 'interrupted', force: this.forced });
    else if (this.killPending) this.stopCurrent?.({ reason: 'kill-command', force: false });
    this.killPending = false;

    const first = await Promise.race([
      script.exited.then((exit) => ({ kind: 'exit' as const, exit })),
      stopRequested.then((request) => ({ kind: 'stop' as const, request })),
    ]);
    let reason: IterationEndReason = 'script-exit';
    let exit: ScriptExit;
    let validationError: string | undefined;
    if (first.kind === 'exit') {
      exit = first.exit;
      // The script is gone; whatever it started and left running is stopped with it (SPEC §3.5).
      await script.stop(0);
    } else {
      reason = first.request.reason;
      validationError = first.request.detail;
      ports.log(reason === 'validation-failed' ? 'error' : 'info', stopMessage(first.request));
      exit = await script.stop(first.request.force ? 0 : plan.stopGraceMs);
    }
    this.stopCurrent = null;
    this.currentScript = null;
    ports.scriptStarted(null);
    validation.cancel();
    await ports.settleLines(LATE_LINES_MS);

    // Read after the late-lines wait: what the script wrote just before it exited has landed.
    const stderrTail = script.stderrTail.text();
    const runEnd: RunEndRecord = {
      endTimeNs: ports.now().toString(),
      reason,
      exitCode: exit.code,
      signal: exit.signal,
      ...(validationError ? { validationError } : {}),
      ...(stderrTail ? { stderrTail } : {}),
    };
    // Settled by now but for a slow `git status` (each of its commands has a 5 s limit).
    const run = await facts;
    if (Object.keys(run).length > 0) runEnd.run = run;
    try {
      await ports.endIteration(runEnd);
    } catch (error) {
      // The journal could not be closed (e.g. ingest given up on a full disk): what it holds is
      // still the truth, so the file is written from it all the same.
      ports.log('error', `could not close the journal: ${(error as Error).message}`);
    }
    const [outputFile] = await Promise.all([plan.dryRun ? null : ports.finalizeFile(journalPath), ports.storeFollowing()]);
    ports.iterationChanged({ phase: 'ended', loop, loops: plan.loops, journalPath, outputFile });
    return { loop, reason, exitCode: exit.code, signal: exit.signal, journalPath, outputFile, validationError };
  }

  private startScript(): ScriptProcess {
    const { plan } = this;
    const { command, args } = scriptLaunchCommand(plan.interpreter, plan.scriptPath);
    const env = {
      ...process.env,
      ...plan.scriptEnv,
      REX_PORT: String(plan.port),
      REX_UUID: plan.uuid,
      REX_STORE: plan.storeDir,
      RUST_LOG_LEVEL: plan.scriptLogLevel,
    };
    const script = new ScriptProcess({ command, args, env }, (line) => this.ports.scriptOutput(line));
    this.ports.log('info', `started ${[command, ...args].join(' ')} (pid ${script.pid ?? '?'})`);
    return script;
  }

  /** Checks the session's meta on the original's schedule; asks to stop the iteration if it never passes. */
  private watchValidation(stopped: Promise<unknown>): { cancel(): void } {
    const keys = this.plan.validations;
    let cancelled = false;
    void stopped.then(() => (cancelled = true));
    if (keys.length === 0) return { cancel() {} };
    void (async () => {
      let problem: string | null = null;
      for (const [attempt, waitMs] of this.validationScheduleMs.entries()) {
        await sleepOn(this.clock, waitMs);
        if (cancelled) return;
        const session = await this.ports.sessionState().catch(() => ({ sessionSeen: false, meta: undefined }));
        problem = validateSessionMeta(session.meta, keys, session.sessionSeen);
        if (problem === null) return;
        if (attempt < this.validationScheduleMs.length - 1) this.ports.log('warn', `validation failed: ${problem}; retrying`);
      }
      if (!cancelled && problem) this.stopCurrent?.({ reason: 'validation-failed', force: false, detail: problem });
    })();
    return { cancel: () => (cancelled = true) };
  }

  private sleepInterruptibly(ms: number): Promise<void> {
    return new Promise((resolve) => {
      // A delay of weeks is honoured, not overflowed into an immediate start.
      const wake = (): void => {
        cancel();
        this.wakeDelay = null;
        resolve();
      };
      const cancel = setLongTimeout(this.clock, wake, ms);
      this.wakeDelay = wake;
    });
  }
}

function stopMessage(request: StopRequest): string {
  switch (request.reason) {
    case 'kill-command':
      return 'KILL received: stopping the script and saving the data';
    case 'interrupted':
      return request.force ? 'second interrupt: stopping the script now' : 'interrupted: stopping the script and saving the data';
    case 'validation-failed':
      return `session validation failed: ${request.detail}; stopping the script (the data received is kept)`;
    case 'fatal':
      return `stopping the run: ${request.detail}`;
  }
}
