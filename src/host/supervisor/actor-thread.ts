/**
 * One worker thread of one actor, as the supervisor sees it: spawns it with its own bus port,
 * reads the control protocol, watches READY and heartbeats, and reports exactly one `exit` with
 * the reason the thread ended. Policy (restart or not) is the supervisor's.
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
  now(): number;
}

export interface ThreadEnd {
  exitCode: number;
  /** The thread had posted READY. */
  wasReady: boolean;
  /** The thread posted STOPPED (a planned stop completed). */
  stopped: boolean;
  /** Why it ended, when it was not a clean planned stop (also set if stop() itself failed). */
  reason: WireError | undefined;
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
  /** Set when the supervisor itself ended the thread (hung, READY timeout, ...). Wins over the rest. */
  private killReason: RexError | undefined;
  private fault: WireError | undefined;
  private uncaught: WireError | undefined;
  private readyTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private stopTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly settings: ThreadSettings,
    private readonly events: ThreadEvents,
  ) {
    this.lastBeat = settings.now();
    this.link = settings.hub.connect(settings.name);
    const workerData: ActorWorkerData = {
      protocol: ACTOR_PROTOCOL,
      actor: settings.name,
      restartCount: settings.restartCount,
      data: settings.data,
      busPort: this.link.port,
      heartbeatIntervalMs: settings.heartbeatIntervalMs,
      faultInjection: settings.faultInjection,
    };
    let worker: Worker;
    try {
      worker = new Worker(settings.entry, { workerData, transferList: [this.link.port] });
    } catch (error) {
      // Bad entry or uncloneable data: report it like any other death, on a later tick.
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
    this.readyTimer = setTimeout(
      () => this.kill(REX_ACTOR_READY_TIMEOUT(settings.name, settings.readyTimeoutMs)),
      settings.readyTimeoutMs,
    );
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** Ask for a planned stop; terminate if it takes longer than `timeoutMs`. */
  stop(timeoutMs: number): void {
    if (this.exited || this.worker === undefined || this.stopTimer !== undefined) return;
    clearInterval(this.heartbeatTimer);
    const message: ToActor = { code: 'STOP' };
    this.worker.postMessage(message);
    this.stopTimer = setTimeout(() => this.kill(REX_ACTOR_STOP_TIMEOUT(this.settings.name, timeoutMs)), timeoutMs);
  }

  /** End the thread now, recording why. */
  kill(reason: RexError): void {
    if (this.exited || this.worker === undefined) return;
    this.killReason ??= reason;
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
        clearTimeout(this.readyTimer);
        this.lastBeat = this.settings.now();
        if (this.stopTimer === undefined) this.watchHeartbeat();
        this.events.ready(this);
        return;
      case 'HEARTBEAT':
        this.lastBeat = this.settings.now();
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
    const { heartbeatIntervalMs, heartbeatTimeoutMs, name, now } = this.settings;
    const checkEveryMs = Math.max(1, Math.min(heartbeatIntervalMs, heartbeatTimeoutMs / 2));
    let lastCheck = now();
    this.heartbeatTimer = setInterval(() => {
      const at = now();
      const checkLateBy = at - lastCheck - checkEveryMs;
      lastCheck = at;
      // If this thread was blocked, timers run before the queued heartbeats are read: the
      // silence is ours, not the worker's. Judge again once the queue has been drained.
      if (checkLateBy > heartbeatTimeoutMs / 2) return;
      const silentMs = at - this.lastBeat;
      if (silentMs > heartbeatTimeoutMs) this.kill(REX_ACTOR_HUNG(name, silentMs));
    }, checkEveryMs);
    // Watching must not keep the process alive on its own.
    this.heartbeatTimer.unref();
  }

  private onExit(exitCode: number): void {
    if (this.exited) return;
    this.exited = true;
    clearTimeout(this.readyTimer);
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.stopTimer);
    // Requests this thread was serving fail now, not at their timeout.
    this.link.close();
    this.events.exit(this, {
      exitCode,
      wasReady: this.ready,
      stopped: this.stopped,
      reason: this.endReason(exitCode),
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
