/**
 * The worker-side shell every actor runs in (STYLE 2.2). An actor's entry file is just
 * `await runActor(definition)`. In order: read workerData, connect the bus port, install the
 * crash handlers, `await start(ctx)`, post READY, heartbeat. On STOP: `await stop()`, post
 * STOPPED, exit. This file is the only actor code allowed to call `process.exit` (in a worker
 * it ends only the thread).
 */
import { isMainThread, MessagePort, parentPort, threadId, workerData } from 'node:worker_threads';
import { config } from '../rx.js';
import { toWire } from '../../errors.js';
import type { Bus, RequestMap, TopicMap } from '../../bus/bus.js';
import type { FaultInject, LogLevel } from '../../bus/payloads.js';
import { connectPortBus, type PortBus } from '../../bus/port-bus.js';
import type { Requests, Topics } from '../../bus/topics.js';
import {
  ACTOR_PROTOCOL,
  PRESTARTED,
  codeOf,
  type ActorWorkerData,
  type PrestartedWorkerData,
  type ToSupervisor,
} from '../control-protocol.js';
import { attachLivenessBeacon, stillWorking } from '../liveness.js';
import { nameThisThread } from '../thread-name.js';
import { REX_ACTOR_FAULT_INJECTED, REX_ACTOR_NOT_IN_WORKER, REX_ACTOR_PROTOCOL } from '../errors.js';

/** `T`, `R`: the bus's tables; rex's own unless a test actor widens them (test/fixtures/actors). */
export interface ActorContext<Data, T extends TopicMap = Topics, R extends RequestMap = Requests> {
  /** The name the supervisor runs this actor under (also its bus `src`). */
  name: string;
  bus: Bus<T, R>;
  data: Data;
  /** 0 on the first start; n after the n-th restart (restore state from the journal then). */
  restartCount: number;
  threadId: number;
  /** Publish a `log` entry from this actor. */
  log(level: LogLevel, message: string): void;
  /**
   * "Busy, not hung": long synchronous work calls this between pieces, so the supervisor does not
   * terminate the thread as hung (src/runtime/liveness.ts; code without a ctx imports it from there).
   */
  stillWorking(): void;
}

export interface ActorInstance {
  /** Flush, fsync, close. Called once, on a planned stop. */
  stop(): Promise<void>;
}

export interface ActorDefinition<Data, T extends TopicMap = Topics, R extends RequestMap = Requests> {
  name: string;
  /** Resolve once the actor can do its job; READY is posted only then. A throw here is fatal. */
  start(ctx: ActorContext<Data, T, R>): Promise<ActorInstance>;
}

/**
 * Run `def` in this worker thread. Resolves after READY; never rejects once inside a worker (a
 * failure becomes a FAULT and the end of the thread). Rejects outside a worker.
 */
export async function runActor<Data, T extends Topics = Topics, R extends Requests = Requests>(
  def: ActorDefinition<Data, T, R>,
): Promise<void> {
  const control = parentPort;
  if (isMainThread || control === null) throw REX_ACTOR_NOT_IN_WORKER();
  const post = (message: ToSupervisor): void => control.postMessage(message);

  let dying = false;
  const die = (error: unknown): void => {
    if (dying) return;
    dying = true;
    try {
      post({ code: 'FAULT', error: toWire(error) });
    } finally {
      process.exit(1);
    }
  };

  let name = def.name;
  let closeBus = (): void => {};
  let instance: ActorInstance | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let stopRequested = false;
  let stopping = false;

  const shutdown = async (): Promise<void> => {
    if (stopping || instance === undefined) return;
    stopping = true;
    clearInterval(heartbeat);
    let exitCode = 0;
    try {
      await instance.stop();
    } catch (error) {
      post({ code: 'FAULT', error: toWire(error) });
      exitCode = 1;
    }
    closeBus();
    post({ code: 'STOPPED' });
    process.exit(exitCode);
  };

  // A prestarted thread (src/host/supervisor/prestarted-threads.ts) is given its workerData in INIT.
  let giveInit: ((raw: unknown) => void) | undefined;
  const raw = isPrestarted(workerData) ? new Promise<unknown>((resolve) => (giveInit = resolve)) : workerData;

  control.on('message', (message: unknown) => {
    const code = codeOf(message);
    if (code === undefined) return;
    if (code === 'INIT' && giveInit !== undefined) {
      giveInit((message as { workerData?: unknown }).workerData);
      giveInit = undefined;
      return;
    }
    if (code !== 'STOP') {
      die(REX_ACTOR_PROTOCOL(name, `unexpected control code "${code}"`));
      return;
    }
    stopRequested = true;
    void shutdown();
  });

  const init = readWorkerData<Data>(await raw, def.name);
  if (typeof init === 'string') {
    die(REX_ACTOR_PROTOCOL(def.name, init));
    return;
  }
  name = init.actor;
  nameThisThread(name);
  attachLivenessBeacon(init.liveness);
  const bus = connectPortBus<T, R>(init.busPort, name);
  closeBus = () => bus.close();

  process.on('uncaughtException', die);
  process.on('unhandledRejection', die);
  config.onUnhandledError = die;

  if (init.faultInjection) obeyFaultInjection(bus, name);

  try {
    // Test-only: a first start that fails (a boot failure), for the actors named in REX_FAULT_BOOT.
    if (init.faultInjection && init.restartCount === 0 && process.env.REX_FAULT_BOOT?.split(',').includes(name)) {
      throw REX_ACTOR_FAULT_INJECTED(name, 'boot');
    }
    instance = await def.start({
      name,
      bus,
      data: init.data,
      restartCount: init.restartCount,
      threadId,
      log: (level, message) => bus.publish('log', { level, source: name, message, ts: Date.now() }),
      stillWorking,
    });
    // Everything start() subscribed to or serves is registered at the hub before READY.
    await bus.flush();
  } catch (error) {
    die(error);
    return;
  }
  post({ code: 'READY' });
  heartbeat = setInterval(stillWorking, init.heartbeatIntervalMs);
  heartbeat.unref();
  if (stopRequested) await shutdown();
}

function isPrestarted(raw: unknown): raw is PrestartedWorkerData {
  return typeof raw === 'object' && raw !== null && (raw as { protocol?: unknown }).protocol === PRESTARTED;
}

function readWorkerData<Data>(raw: unknown, defName: string): ActorWorkerData<Data> | string {
  if (typeof raw !== 'object' || raw === null) return `workerData is missing (was "${defName}" started by the supervisor?)`;
  const data = raw as Partial<ActorWorkerData<Data>>;
  if (data.protocol !== ACTOR_PROTOCOL) return `protocol ${String(data.protocol)}, expected ${ACTOR_PROTOCOL}`;
  if (typeof data.actor !== 'string') return 'workerData.actor is not a string';
  if (typeof data.restartCount !== 'number') return 'workerData.restartCount is not a number';
  if (!(data.busPort instanceof MessagePort)) return 'workerData.busPort is not a MessagePort';
  if (typeof data.heartbeatIntervalMs !== 'number' || data.heartbeatIntervalMs <= 0) {
    return 'workerData.heartbeatIntervalMs is not a positive number';
  }
  if (!(data.liveness instanceof SharedArrayBuffer)) return 'workerData.liveness is not a SharedArrayBuffer';
  return data as ActorWorkerData<Data>;
}

/** Test-only crash modes; subscribed only when the run was started with REX_FAULT_INJECTION=1. */
function obeyFaultInjection(bus: PortBus, name: string): void {
  bus.on('fault.inject').subscribe((command: FaultInject) => {
    if (command.actor !== name) return;
    const error = REX_ACTOR_FAULT_INJECTED(name, command.mode);
    switch (command.mode) {
      case 'throw':
        throw error; // inside a subscriber: rxjs reports it through config.onUnhandledError
      case 'throw-async':
        setImmediate(() => {
          throw error;
        });
        return;
      case 'reject':
        void Promise.reject(error);
        return;
      case 'exit':
        return process.exit(command.exitCode ?? 1);
      case 'hang':
        for (;;) {
          // Block the event loop for good: no heartbeat, no messages. Only terminate() ends it.
        }
    }
  });
}
