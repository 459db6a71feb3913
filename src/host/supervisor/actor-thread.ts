/**
 * One worker thread of one actor, as the supervisor sees it: spawns it with its own bus port,
 * reads the control protocol, watches READY and the liveness beacon, and reports exactly one
 * `exit` with the reason the thread ended. Policy (restart or not) is the supervisor's.
 * The beacon (src/runtime/liveness.ts) moves while the worker's event loop turns or its long
 * work says `stillWorking()`: a busy actor is not hung; one whose beacon stays still is.
 */
import { Worker } from 'node:worker_threads';
import type { BusHub, HubLink } from '../../bus/hub.js';
import { isWireError, toWire, type RexError, type WireError } from '../../errors.js';
import { ACTOR_PROTOCOL, codeOf, type ActorWorkerData, type ToActor, type ToSupervisor } from '../../runtime/control-protocol.js';
import {
  REX_ACTOR_EXITED,
  REX_ACTOR_HUNG,
  REX_ACTOR_PROTOCOL,
  REX_ACTOR_READY_TIMEOUT,
  REX_ACTOR_STOP_TIMEOUT,
} from '../../runtime/errors.js';
import type { Clock, TimerHandle } from '../../runtime/clock.js';
import { LivenessBeacon } from '../../runtime/liveness.js';
import { adoptPrestarted } from './prestarted-threads.js';
import { threadOptionsOf } from './actor-worker.js';
import { heartbeatCheckEveryMs, judgeHeartbeat } from './heartbeat-watch.js';

export interface ThreadSettings {
  name: string;
  entry: URL;
  data: unknown;
  restartCount: number;
  hub: BusHub;
  readyTimeoutMs: number;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  faultInjection: boolean;
  /** Times READY, heartbeats and stops; the worker itself runs on real time. */
  clock: Clock;
}

export interface ThreadEnd {
  exitCode: number;
  /** The thread had posted READY. */
  wasReady: boolean;
  /** The thread posted STOPPED (a planned stop completed). */
  stopped: boolean;
  /** Why it ended, when it was not a clean planned stop (also set if stop() itself failed). */
  reason: WireError | undefined;
  /** How long before the end its beacon last moved (or it started), on the supervisor's clock. */
  lastBeatAgeMs: number;
}

export interface ThreadEvents {
  ready(thread: ActorThread): void;
  exit(thread: ActorThread, end: ThreadEnd): void;
}

export class ActorThread {
  readonly threadId: number;
  private readonly worker: Worker | undefined;
  private readonly link: HubLink;
  private ready = false;
  private stopped = false;
  private exited = false;
  private lastBeat: number;
  private readonly beacon = new LivenessBeacon();
  /** Set when the supervisor itself ended the thread (hung, READY timeout, ...). Wins over the rest. */
  private killReason: RexError | undefined;
  private fault: WireError | undefined;
  private uncaught: WireError | undefined;
  private readyTimer: TimerHandle | undefined;
  private heartbeatTimer: TimerHandle | undefined;
  private stopTimer: TimerHandle | undefined;

  constructor(
    private readonly settings: ThreadSettings,
    private readonly events: ThreadEvents,
  ) {
    this.lastBeat = settings.clock.now();
    this.link = settings.hub.connect(settings.name);
    const workerData: ActorWorkerData = {
      protocol: ACTOR_PROTOCOL,
      actor: settings.name,
      restartCount: settings.restartCount,
      data: settings.data,
      busPort: this.link.port,
      heartbeatIntervalMs: settings.heartbeatIntervalMs,
      liveness: this.beacon.buffer,
      faultInjection: settings.faultInjection,
    };
    let worker: Worker;
    // A restart always gets a new thread: a prestarted one is for the first start only.
    const prestarted = settings.restartCount === 0 ? adoptPrestarted(settings.entry) : undefined;
    try {
      if (prestarted) {
        const init: ToActor = { code: 'INIT', workerData };
        prestarted.postMessage(init, [this.link.port]);
        worker = prestarted;
      } else {
        worker = new Worker(settings.entry, { workerData, transferList: [this.link.port], ...threadOptionsOf(settings.entry) }); // flags inherited (prestarted-threads.ts)
      }
    } catch (error) {
      // Bad entry or uncloneable data: report it like any other death, on a later tick.
      void prestarted?.terminate();
      this.threadId = -1;
      this.worker = undefined;
      this.uncaught = toWire(error);
      setImmediate(() => this.onExit(1));
      return;
    }
    this.worker = worker;
    this.threadId = worker.threadId;
    worker.on('message', (message: unknown) => this.onMessage(message));
    // Fires for errors the actor's own handlers never saw (a failed import, a syntax error).
    worker.on('error', (error: unknown) => {
      this.uncaught ??= toWire(error);
    });
    worker.on('exit', (exitCode: number) => this.onExit(exitCode));
    this.armReadyTimer();
  }

  /** READY must come within the timeout, counted from the last sign of progress (a long restore says `stillWorking()`). */
  private armReadyTimer(delayMs = this.settings.readyTimeoutMs): void {
    const { clock, name, readyTimeoutMs } = this.settings;
    this.readyTimer = clock.setTimeout(() => {
      if (this.sawBeat()) return this.armReadyTimer();
      const leftMs = this.lastBeat + readyTimeoutMs + this.beacon.allowedSilenceMs - clock.now();
      if (leftMs > 0) this.armReadyTimer(leftMs);
      else this.kill(REX_ACTOR_READY_TIMEOUT(name, readyTimeoutMs));
    }, delayMs);
  }

  /** Reads the beacon; if it moved, that is the latest heartbeat. */
  private sawBeat(): boolean {
    if (!this.beacon.moved()) return false;
    this.lastBeat = this.settings.clock.now();
    return true;
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** Ask for a planned stop; terminate if it takes longer than `timeoutMs`. */
  stop(timeoutMs: number): void {
    if (this.exited || this.worker === undefined || this.stopTimer !== undefined) return;
    this.settings.clock.clearInterval(this.heartbeatTimer);
    const message: ToActor = { code: 'STOP' };
    this.worker.postMessage(message);
    this.stopTimer = this.settings.clock.setTimeout(() => this.kill(REX_ACTOR_STOP_TIMEOUT(this.settings.name, timeoutMs)), timeoutMs);
  }

  /**
   * End the thread now, recording why. Once: a thread inside a long native call (a big fs.rmSync)
   * ends only when the call returns, and each terminate() would add another 'exit' listener.
   */
  kill(reason: RexError): void {
    if (this.exited || this.worker === undefined || this.killReason !== undefined) return;
    this.killReason = reason;
    void this.worker.terminate();
  }

  private onMessage(raw: unknown): void {
    const code = codeOf(raw);
    if (code === undefined) return;
    const message = raw as ToSupervisor;
    switch (message.code) {
      case 'READY':
        if (this.ready) return;
        this.ready = true;
        this.settings.clock.clearTimeout(this.readyTimer);
        this.lastBeat = this.settings.clock.now();
        if (this.stopTimer === undefined) this.watchHeartbeat();
        this.events.ready(this);
        return;
      case 'FAULT':
        this.fault ??= isWireError(message.error) ? message.error : { name: 'Error', message: 'malformed FAULT' };
        return;
      case 'STOPPED':
        this.stopped = true;
        return;
      default:
        this.kill(REX_ACTOR_PROTOCOL(this.settings.name, `unknown control code "${code}"`));
    }
  }

  private watchHeartbeat(): void {
    const { heartbeatIntervalMs, heartbeatTimeoutMs, name, clock } = this.settings;
    const checkEveryMs = heartbeatCheckEveryMs(heartbeatIntervalMs, heartbeatTimeoutMs);
    let lastCheck = clock.now();
    this.heartbeatTimer = clock.setInterval(() => {
      const at = clock.now();
      this.sawBeat();
      const timeoutMs = heartbeatTimeoutMs + this.beacon.allowedSilenceMs;
      const verdict = judgeHeartbeat({ at, lastCheck, lastBeat: this.lastBeat, checkEveryMs, timeoutMs });
      lastCheck = at;
      if (verdict.kind === 'hung') this.kill(REX_ACTOR_HUNG(name, verdict.silentMs));
    }, checkEveryMs);
    // Watching must not keep the process alive on its own.
    this.heartbeatTimer.unref?.();
  }

  private onExit(exitCode: number): void {
    if (this.exited) return;
    this.exited = true;
    const { clock } = this.settings;
    clock.clearTimeout(this.readyTimer);
    clock.clearInterval(this.heartbeatTimer);
    clock.clearTimeout(this.stopTimer);
    this.sawBeat();
    // Requests this thread was serving fail now, not at their timeout.
    this.link.close();
    this.events.exit(this, {
      exitCode,
      wasReady: this.ready,
      stopped: this.stopped,
      reason: this.endReason(exitCode),
      lastBeatAgeMs: clock.now() - this.lastBeat,
    });
  }

  private endReason(exitCode: number): WireError | undefined {
    if (this.killReason !== undefined) return withoutStack(this.killReason);
    if (this.fault !== undefined) return this.fault;
    if (this.uncaught !== undefined) return this.uncaught;
    if (this.stopped && exitCode === 0) return undefined;
    return withoutStack(REX_ACTOR_EXITED(this.settings.name, exitCode));
  }
}

/** The supervisor's own reasons: their stack would only point into the supervisor. */
function withoutStack(error: RexError): WireError {
  const { stack: _supervisorFrames, ...wire } = toWire(error);
  return wire;
}
