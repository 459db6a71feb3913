/**
 * Starts every actor on its own worker thread, watches it, restarts it when it crashes, and
 * tells the bus (`actor.status`, `actor.fault`). A crash is an event, not the end of the run;
 * giving up is: after too many restarts of a critical actor the supervisor publishes `run.stop`
 * and settles `fatal`, which the CLI awaits. See docs/bus.md "Supervisor".
 */
import type { BusHub } from '../../bus/hub.js';
import type { ActorState, ActorStatus } from '../../bus/payloads.js';
import { fromWire, withCause, type WireError } from '../../errors.js';
import { ActorThread, type ThreadEnd } from './actor-thread.js';
import {
  REX_ACTOR_BOOT_FAILED,
  REX_ACTOR_CRASHED,
  REX_ACTOR_DUPLICATE,
  REX_ACTOR_RESTART_BUDGET,
  REX_ACTOR_STOPPED_BEFORE_READY,
  REX_ACTOR_UNKNOWN,
} from '../../runtime/errors.js';
import { decideRestart, DEFAULT_RESTART_POLICY, type RestartPolicy } from './restart-policy.js';
import { systemClock, type Clock, type TimerHandle } from '../../runtime/clock.js';

export interface ActorSpec<Data = unknown> {
  /** Unique name; the actor's bus `src` and the `actor` field of its status and faults. */
  name: string;
  /** The compiled entry file (dist/actors/<name>/worker.js) that calls runActor. */
  entry: URL;
  data?: Data;
  /** Giving up on a critical actor stops the run (default true). */
  critical?: boolean;
}

export interface SupervisorOptions {
  hub: BusHub;
  /** Default 10 s. */
  readyTimeoutMs?: number;
  /** How often actors send a heartbeat (default 1 s). */
  heartbeatIntervalMs?: number;
  /** Silence after which an actor counts as hung and is terminated (default 10 s). */
  heartbeatTimeoutMs?: number;
  /** How long a planned stop may take before the thread is terminated (default 5 s). */
  stopTimeoutMs?: number;
  restart?: Partial<RestartPolicy>;
  /**
   * Time for every window the supervisor judges: READY, heartbeat and stop timeouts, restart
   * backoff and the restart budget. Tests inject a manual clock to let them elapse at once; the
   * workers keep real time (their heartbeats are sent on it, but judged on this clock).
   */
  clock?: Clock;
}

interface Slot {
  spec: ActorSpec;
  critical: boolean;
  state: ActorState;
  restarts: number;
  /** Times of restarts, for the budget window. */
  history: number[];
  thread: ActorThread | undefined;
  /** Some thread of this actor reached READY: later boot failures are crashes, not fatal. */
  everReady: boolean;
  restartTimer: TimerHandle | undefined;
  firstStart: { resolve(): void; reject(error: Error): void } | undefined;
  stopWaiters: (() => void)[];
}

export class Supervisor {
  /** Settles (never rejects) with the reason once the supervisor gives up on a critical actor. */
  readonly fatal: Promise<Error>;
  private settleFatal!: (error: Error) => void;
  private fatalError: Error | undefined;
  private readonly slots = new Map<string, Slot>();
  private readonly hub: BusHub;
  private readonly readyTimeoutMs: number;
  private readonly heartbeatIntervalMs: number;
  private readonly heartbeatTimeoutMs: number;
  private readonly stopTimeoutMs: number;
  private readonly policy: RestartPolicy;
  private readonly clock: Clock;
  /** Fault injection is honoured only when the run was started with REX_FAULT_INJECTION=1. */
  private readonly faultInjection = process.env.REX_FAULT_INJECTION === '1';

  constructor(options: SupervisorOptions) {
    this.hub = options.hub;
    this.readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 1_000;
    this.heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 10_000;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 5_000;
    this.policy = { ...DEFAULT_RESTART_POLICY, ...options.restart };
    this.clock = options.clock ?? systemClock;
    this.fatal = new Promise<Error>((resolve) => {
      this.settleFatal = resolve;
    });
  }

  /** Start an actor; resolves when it is READY, rejects (REX_ACTOR_BOOT_FAILED) if it never gets there. */
  start<Data>(spec: ActorSpec<Data>): Promise<void> {
    const existing = this.slots.get(spec.name);
    if (existing !== undefined && existing.state !== 'stopped' && existing.state !== 'failed') {
      return Promise.reject(REX_ACTOR_DUPLICATE(spec.name));
    }
    return new Promise<void>((resolve, reject) => {
      const slot: Slot = {
        spec: spec as ActorSpec,
        critical: spec.critical ?? true,
        state: 'starting',
        restarts: 0,
        history: [],
        thread: undefined,
        everReady: false,
        restartTimer: undefined,
        firstStart: { resolve, reject },
        stopWaiters: [],
      };
      // Re-adding moves the name to the end, so stopAll's reverse order follows start order.
      this.slots.delete(spec.name);
      this.slots.set(spec.name, slot);
      this.spawn(slot);
    });
  }

  /** Planned stop: never restarted. Resolves when the thread has ended. */
  stop(name: string): Promise<void> {
    const slot = this.slots.get(name);
    if (slot === undefined) return Promise.reject(REX_ACTOR_UNKNOWN(name));
    switch (slot.state) {
      case 'stopped':
      case 'failed':
        return Promise.resolve();
      case 'restarting':
        this.clock.clearTimeout(slot.restartTimer);
        this.setState(slot, 'stopped');
        return Promise.resolve();
      case 'starting':
      case 'ready':
        this.setState(slot, 'stopping');
        slot.thread?.stop(this.stopTimeoutMs);
        return this.whenStopped(slot);
      case 'stopping':
        return this.whenStopped(slot);
    }
  }

  /**
   * Stop every actor: the most recently started first (in a run, the controller, which may still
   * be asking the others), then the rest together: a thread's end takes tens of ms, one after
   * another they were most of a run's exit. `together`: all at once, when none asks another
   * anymore (a run whose controller has finished).
   */
  async stopAll(options: { together?: boolean } = {}): Promise<void> {
    const [last, ...rest] = [...this.slots.keys()].reverse();
    if (last === undefined) return;
    if (options.together) rest.push(last);
    else await this.stop(last);
    await Promise.all(rest.map((name) => this.stop(name)));
  }

  status(name: string): ActorStatus | undefined {
    const slot = this.slots.get(name);
    return slot === undefined ? undefined : this.statusOf(slot);
  }

  private spawn(slot: Slot): void {
    const { name } = slot.spec;
    try {
      slot.thread = this.createThread(slot);
    } catch (error) {
      // Only when the hub is already closed: the run is over, nothing to restart into.
      slot.state = 'failed';
      slot.firstStart?.reject(withCause(REX_ACTOR_BOOT_FAILED(name, String((error as Error).message)), error));
      slot.firstStart = undefined;
      return;
    }
    this.publishStatus(slot);
  }

  private createThread(slot: Slot): ActorThread {
    const { name, entry, data } = slot.spec;
    return new ActorThread(
      {
        name,
        entry,
        data,
        restartCount: slot.restarts,
        hub: this.hub,
        readyTimeoutMs: this.readyTimeoutMs,
        heartbeatIntervalMs: this.heartbeatIntervalMs,
        heartbeatTimeoutMs: this.heartbeatTimeoutMs,
        faultInjection: this.faultInjection,
        clock: this.clock,
      },
      {
        ready: (thread) => this.onReady(slot, thread),
        exit: (thread, end) => this.onExit(slot, thread, end),
      },
    );
  }

  private onReady(slot: Slot, thread: ActorThread): void {
    if (slot.thread !== thread) return;
    slot.everReady = true;
    slot.firstStart?.resolve();
    slot.firstStart = undefined;
    // A stop asked for during boot is already on its way; stay 'stopping'.
    if (slot.state === 'starting') this.setState(slot, 'ready');
  }

  private onExit(slot: Slot, thread: ActorThread, end: ThreadEnd): void {
    if (slot.thread !== thread) return;
    slot.thread = undefined;
    if (slot.state === 'stopping') {
      this.stoppedAfterPlan(slot, end);
      return;
    }
    const reason = end.reason ?? { name: 'Error', message: `exited with code ${end.exitCode}` };
    if (!slot.everReady) this.bootFailed(slot, reason, end.lastBeatAgeMs);
    else this.crashed(slot, reason, end.lastBeatAgeMs);
  }

  private stoppedAfterPlan(slot: Slot, end: ThreadEnd): void {
    if (end.reason !== undefined) {
      this.log('warn', `actor "${slot.spec.name}" did not stop cleanly: ${end.reason.message}`);
    }
    slot.firstStart?.reject(REX_ACTOR_STOPPED_BEFORE_READY(slot.spec.name));
    slot.firstStart = undefined;
    this.setState(slot, 'stopped');
    for (const wake of slot.stopWaiters.splice(0)) wake();
  }

  /** The first thread died before READY: not respawned (a broken actor would only loop). */
  private bootFailed(slot: Slot, reason: WireError, lastBeatAgeMs: number): void {
    const error = withCause(REX_ACTOR_BOOT_FAILED(slot.spec.name, reason.message), fromWire(reason));
    this.logFault(slot, reason.code ?? error.code, reason.message, lastBeatAgeMs, 'not restarted: it never became ready');
    this.hub.bus.publish('actor.fault', {
      actor: slot.spec.name,
      code: error.code,
      message: error.message,
      ...(reason.stack === undefined ? {} : { stack: reason.stack }),
      fatal: true,
    });
    slot.firstStart?.reject(error);
    slot.firstStart = undefined;
    this.giveUp(slot, error);
  }

  private crashed(slot: Slot, reason: WireError, lastBeatAgeMs: number): void {
    const { name } = slot.spec;
    const ownReason = reason.code?.startsWith('REX_ACTOR_') === true;
    const code = reason.code ?? REX_ACTOR_CRASHED.code;
    const message = ownReason ? reason.message : REX_ACTOR_CRASHED(name, reason.message).message;
    const stack = reason.stack === undefined ? {} : { stack: reason.stack };
    const decision = decideRestart(slot.history, this.clock.now(), this.policy);
    const next = decision.action === 'give-up' ? 'giving up' : `restarting it (restart ${slot.restarts + 1})`;
    this.logFault(slot, code, message, lastBeatAgeMs, next);
    if (decision.action === 'give-up') {
      const error = withCause(REX_ACTOR_RESTART_BUDGET(name, decision.restartsInWindow, this.policy.windowMs, message), fromWire(reason));
      this.hub.bus.publish('actor.fault', { actor: name, code: error.code, message: error.message, ...stack, fatal: true });
      this.giveUp(slot, error);
      return;
    }
    this.hub.bus.publish('actor.fault', { actor: name, code, message, ...stack, fatal: false });
    slot.history = decision.history;
    this.setState(slot, 'restarting');
    slot.restartTimer = this.clock.setTimeout(() => {
      slot.restartTimer = undefined;
      if (slot.state !== 'restarting') return;
      slot.restarts += 1;
      slot.state = 'starting';
      this.spawn(slot);
    }, decision.delayMs);
  }

  /** Every crash, hang and boot failure, at error level: which actor, why (code), and its last sign of life. */
  private logFault(slot: Slot, code: string, message: string, lastBeatAgeMs: number, next: string): void {
    const age = Math.round(lastBeatAgeMs);
    this.log('error', `actor "${slot.spec.name}" failed [${code}]: ${message} (last heartbeat ${age} ms before); ${next}`);
  }

  private giveUp(slot: Slot, error: Error): void {
    this.setState(slot, 'failed');
    this.log('error', error.message);
    if (!slot.critical) {
      this.log('warn', `"${slot.spec.name}" is not critical; the run goes on without it`);
      return;
    }
    this.hub.bus.publish('run.stop', { reason: error.message });
    if (this.fatalError === undefined) {
      this.fatalError = error;
      this.settleFatal(error);
    }
  }

  private whenStopped(slot: Slot): Promise<void> {
    return new Promise<void>((resolve) => slot.stopWaiters.push(resolve));
  }

  private setState(slot: Slot, state: ActorState): void {
    slot.state = state;
    this.publishStatus(slot);
  }

  private statusOf(slot: Slot): ActorStatus {
    const status: ActorStatus = { actor: slot.spec.name, status: slot.state, restarts: slot.restarts };
    if (slot.thread !== undefined && slot.thread.threadId >= 0) status.threadId = slot.thread.threadId;
    return status;
  }

  private publishStatus(slot: Slot): void {
    this.hub.bus.publish('actor.status', this.statusOf(slot));
  }

  private log(level: 'error' | 'warn' | 'info', message: string): void {
    this.hub.bus.publish('log', { level, source: 'supervisor', message, ts: Date.now() });
  }
}
