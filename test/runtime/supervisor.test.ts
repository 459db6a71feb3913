/**
 * The supervisor with real worker threads (fixture actors compiled to test/.build by `npm run build:fixtures`):
 * restarts after a throw, an exit and a hang; the restart budget and a clean give-up; no
 * respawn after a boot failure; planned stops are final; fault injection needs its env var.
 * Where a test is about a window (backoff, budget, READY and stop timeouts) the supervisor runs
 * on a ManualClock and the window elapses at once; the workers keep real time. The hang tests
 * and the blocked main thread stay on real timers: they prove the watch end to end.
 */
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { errorCode } from '../../src/errors.js';
import { Supervisor, type SupervisorOptions } from '../../src/host/supervisor/supervisor.js';
import type { ChaosData } from '../fixtures/actors/chaos.js';
import { fixture, record, sleep, testHub, type TestHub } from '../bus/helpers.js';
import { ManualClock } from '../helpers/manual-clock.js';

const running: { hub: TestHub; supervisor: Supervisor }[] = [];

afterEach(async () => {
  for (const { hub, supervisor } of running.splice(0)) {
    await supervisor.stopAll();
    hub.close();
  }
  vi.unstubAllEnvs();
});

function setup(options: Partial<SupervisorOptions> = {}) {
  const hub = testHub({ validate: true });
  const supervisor = new Supervisor({
    hub,
    heartbeatIntervalMs: 20,
    heartbeatTimeoutMs: 1_000,
    readyTimeoutMs: 5_000,
    restart: { maxRestarts: 5, windowMs: 60_000, initialBackoffMs: 10, maxBackoffMs: 80 },
    ...options,
  });
  running.push({ hub, supervisor });
  const statuses = record(hub.bus, 'actor.status');
  const faults = record(hub.bus, 'actor.fault');
  const runStops = record(hub.bus, 'run.stop');
  const logs = record(hub.bus, 'log');
  const chaos = (name: string, data: ChaosData, critical?: boolean) =>
    supervisor.start({ name, entry: fixture('chaos'), data, ...(critical === undefined ? {} : { critical }) });
  return { hub, supervisor, statuses, faults, runStops, logs, chaos };
}

/** Resolves to 'pending' if `promise` has not settled by the next turn of the event loop. */
function settledByNextTurn<T>(promise: Promise<T>): Promise<T | 'pending'> {
  return Promise.race([promise, new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending')))]);
}

/** Lets each restart backoff elapse on `clock` as soon as it starts (on a later turn, so every subscriber sees 'restarting' first). */
function skipBackoffs(hub: TestHub, clock: ManualClock, maxBackoffMs: number): void {
  const subscription = hub.bus.on('actor.status').subscribe((s) => {
    if (s.status === 'restarting') setImmediate(() => clock.advance(maxBackoffMs));
  });
  onTestFinished(() => subscription.unsubscribe());
}

describe('restarts', () => {
  it('restarts a worker that throws: new thread, READY again, reported on the bus', async () => {
    const { supervisor, statuses, faults, logs, chaos } = setup();
    await chaos('c', { crashAfterMs: 30, crashMode: 'throw', crashWhileRestartsBelow: 1 });
    const firstThread = supervisor.status('c')?.threadId;

    const again = await statuses.waitFor((s) => s.actor === 'c' && s.status === 'ready' && s.restarts === 1);
    expect(again.threadId).toBeDefined();
    expect(again.threadId).not.toBe(firstThread);
    expect(faults.items).toHaveLength(1);
    expect(faults.items[0]).toMatchObject({ actor: 'c', code: 'REX_ACTOR_CRASHED', fatal: false });
    expect(faults.items[0]?.message).toContain('crash on purpose (restartCount=0)');
    expect(faults.items[0]?.stack).toContain('chaos.js');
    expect(statuses.items.map((s) => s.status)).toEqual(['starting', 'ready', 'restarting', 'starting', 'ready']);
    // the new thread was told it is a restart
    await logs.waitFor((l) => l.source === 'c' && l.message === 'chaos started (restartCount=1)');
  });

  it('restarts a worker that calls process.exit(1)', async () => {
    const { supervisor, statuses, faults, chaos } = setup();
    await chaos('c', { crashAfterMs: 30, crashMode: 'exit', crashWhileRestartsBelow: 1 });
    const firstThread = supervisor.status('c')?.threadId;
    const again = await statuses.waitFor((s) => s.actor === 'c' && s.status === 'ready' && s.restarts === 1);
    expect(again.threadId).not.toBe(firstThread);
    expect(faults.items).toEqual([
      { actor: 'c', code: 'REX_ACTOR_EXITED', message: 'actor "c" exited unexpectedly with code 1', fatal: false },
    ]);
  });

  it('terminates and restarts a hung worker (no heartbeat), and logs why as an error', async () => {
    const { supervisor, statuses, faults, logs, chaos } = setup({ heartbeatIntervalMs: 20, heartbeatTimeoutMs: 300 });
    await chaos('c', { crashAfterMs: 50, crashMode: 'hang', crashWhileRestartsBelow: 1 });
    const firstThread = supervisor.status('c')?.threadId;
    const again = await statuses.waitFor((s) => s.actor === 'c' && s.status === 'ready' && s.restarts === 1);
    expect(again.threadId).not.toBe(firstThread);
    expect(faults.items[0]).toMatchObject({ actor: 'c', code: 'REX_ACTOR_HUNG', fatal: false });
    expect(faults.items[0]?.message).toMatch(/actor "c" sent no heartbeat for \d+ ms/);
    const logged = logs.items.filter((l) => l.source === 'supervisor' && l.level === 'error');
    expect(logged).toHaveLength(1);
    expect(logged[0]?.message).toMatch(
      /^actor "c" failed \[REX_ACTOR_HUNG\]: .* \(last heartbeat (\d+) ms before\); restarting it \(restart 1\)$/,
    );
    const age = Number(/last heartbeat (\d+) ms/.exec(logged[0]?.message ?? '')?.[1]);
    expect(age).toBeGreaterThan(300);
  });

  it('a worker busy for longer than the timeout that says it is still working is not hung', async () => {
    const { supervisor, faults, logs, chaos } = setup({ heartbeatIntervalMs: 20, heartbeatTimeoutMs: 300 });
    await chaos('c', { busyAfterMs: 20, busyForMs: 1_200 });
    const before = supervisor.status('c');
    await logs.waitFor((l) => l.source === 'c' && l.message === 'chaos busy done');
    expect(faults.items).toEqual([]);
    expect(supervisor.status('c')).toEqual(before);
  });

  it('busy work that never says so is taken for a hang: CPU use alone proves nothing', async () => {
    const { statuses, faults, chaos } = setup({ heartbeatIntervalMs: 20, heartbeatTimeoutMs: 300 });
    await chaos('c', { busyAfterMs: 20, busyForMs: 60_000, busySilently: true });
    await statuses.waitFor((s) => s.actor === 'c' && s.status === 'restarting');
    expect(faults.items[0]).toMatchObject({ actor: 'c', code: 'REX_ACTOR_HUNG', fatal: false });
  });

  it('one step announced with workingWithoutPause may run silent that long on top of the timeout', async () => {
    const { supervisor, faults, logs, chaos } = setup({ heartbeatIntervalMs: 20, heartbeatTimeoutMs: 300 });
    await chaos('c', { busyAfterMs: 20, busyForMs: 1_200, busySilently: true, busyAnnouncedMs: 3_000 });
    const before = supervisor.status('c');
    await logs.waitFor((l) => l.source === 'c' && l.message === 'chaos busy done');
    expect(faults.items).toEqual([]);
    expect(supervisor.status('c')).toEqual(before);
  });

  it('a hang inside an announced step is still found, once the allowance is spent', async () => {
    const { statuses, faults, chaos } = setup({ heartbeatIntervalMs: 20, heartbeatTimeoutMs: 300 });
    await chaos('c', { busyAfterMs: 20, busyForMs: 60_000, busySilently: true, busyAnnouncedMs: 500 });
    await statuses.waitFor((s) => s.actor === 'c' && s.status === 'restarting');
    expect(faults.items[0]).toMatchObject({ actor: 'c', code: 'REX_ACTOR_HUNG', fatal: false });
    expect(Number(/no heartbeat for (\d+) ms/.exec(faults.items[0]?.message ?? '')?.[1])).toBeGreaterThan(800);
  });

  it('a hung thread stuck in a native call is terminated once, not at every check', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    onTestFinished(() => void process.off('warning', onWarning));
    const { statuses, faults, chaos } = setup({ heartbeatIntervalMs: 10, heartbeatTimeoutMs: 100 });
    await chaos('c', { nativeBlockMs: 1_500 });
    await statuses.waitFor((s) => s.actor === 'c' && s.status === 'restarting', 10_000);
    expect(faults.items[0]).toMatchObject({ code: 'REX_ACTOR_HUNG' });
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });

  it('a long start that says it is still working outlasts the READY timeout', async () => {
    const clock = new ManualClock();
    const { supervisor, faults, logs, chaos } = setup({ clock, readyTimeoutMs: 300 });
    const started = chaos('c', { bootBusyMs: 1_500 });
    // Once start() is under way (module loading says nothing), let the READY window elapse a few times.
    await logs.waitFor((l) => l.source === 'c' && l.message.startsWith('chaos started'));
    for (let i = 0; i < 3; i++) {
      await sleep(100);
      clock.advance(300);
    }
    await started;
    expect(supervisor.status('c')?.status).toBe('ready');
    expect(faults.items).toEqual([]);
  });

  it('does not mistake a blocked main thread for a hung worker', async () => {
    const { supervisor, faults, chaos } = setup({ heartbeatIntervalMs: 20, heartbeatTimeoutMs: 200 });
    await chaos('c', {});
    const before = supervisor.status('c');
    // Block inside a timer callback: the heartbeat check, due meanwhile, runs in the same
    // timers phase, before the heartbeats that piled up unread are processed.
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        const until = Date.now() + 700;
        while (Date.now() < until) {
          // block the main thread
        }
        resolve();
      }, 50),
    );
    // No event marks "the watch judged again and found the worker alive": let it run a while.
    await sleep(300);
    expect(faults.items).toEqual([]);
    expect(supervisor.status('c')).toEqual(before);
  });

  it('a crash soon after READY is restarted even when the main thread was busy during boot', async () => {
    const { statuses, faults, chaos } = setup();
    const started = chaos('c', { crashAfterMs: 1, crashMode: 'exit', crashWhileRestartsBelow: 1 });
    // The worker boots while this thread cannot answer its bus flush: READY comes late, and
    // the crash must still be counted after it (the fixture once armed it before READY).
    const until = Date.now() + 300;
    while (Date.now() < until) {
      // block the main thread
    }
    await started;
    await statuses.waitFor((s) => s.actor === 'c' && s.status === 'ready' && s.restarts === 1);
    expect(faults.items.map((f) => f.fatal)).toEqual([false]);
  });

  it('a restarted actor serves its requests again', async () => {
    const { hub, statuses, chaos } = setup();
    await chaos('c', { serveEcho: true, crashAfterMs: 100, crashMode: 'exit', crashWhileRestartsBelow: 1 });
    await expect(hub.bus.request('test.echo', { x: 1 })).resolves.toEqual({ x: 1 });
    await statuses.waitFor((s) => s.actor === 'c' && s.status === 'ready' && s.restarts === 1);
    await expect(hub.bus.request('test.echo', { x: 1 })).resolves.toEqual({ x: 1001 }); // restartCount 1
  });

  it('backs off, doubling the delay between restarts', async () => {
    const clock = new ManualClock();
    const { supervisor, statuses, chaos } = setup({
      clock,
      restart: { maxRestarts: 10, initialBackoffMs: 40, maxBackoffMs: 160, windowMs: 60_000 },
    });
    await chaos('c', { crashAfterMs: 20, crashMode: 'exit', crashWhileRestartsBelow: 4 });
    for (const [restarts, backoffMs] of [
      [1, 40],
      [2, 80],
      [3, 160],
      [4, 160],
    ] as const) {
      await statuses.waitFor((s) => s.status === 'restarting' && s.restarts === restarts - 1);
      clock.advance(backoffMs - 1);
      expect(supervisor.status('c')?.status).toBe('restarting');
      clock.advance(1);
      expect(supervisor.status('c')).toMatchObject({ status: 'starting', restarts });
      await statuses.waitFor((s) => s.status === 'ready' && s.restarts === restarts);
    }
  });
});

describe('giving up', () => {
  it('a worker that keeps crashing exhausts the budget; the run is asked to stop, clearly', async () => {
    const clock = new ManualClock();
    const { hub, supervisor, statuses, faults, runStops, chaos } = setup({
      clock,
      restart: { maxRestarts: 3, windowMs: 60_000, initialBackoffMs: 10, maxBackoffMs: 40 },
    });
    skipBackoffs(hub, clock, 40);
    await supervisor.start({ name: 'bystander', entry: fixture('probe') });
    await chaos('c', { crashAfterMs: 20, crashMode: 'throw' });

    const fatal = await supervisor.fatal;
    expect(errorCode(fatal)).toBe('REX_ACTOR_RESTART_BUDGET');
    expect(fatal.message).toBe(
      'actor "c" crashed again after 3 restarts within 60 s; giving up ' +
        '(last fault: actor "c" crashed: chaos: crash on purpose (restartCount=3))',
    );
    expect(runStops.items).toEqual([{ reason: fatal.message }]);
    const cFaults = faults.items.filter((f) => f.actor === 'c');
    expect(cFaults.map((f) => f.fatal)).toEqual([false, false, false, true]);
    expect(cFaults[3]).toMatchObject({ code: 'REX_ACTOR_RESTART_BUDGET', message: fatal.message });
    expect(supervisor.status('c')).toEqual({ actor: 'c', status: 'failed', restarts: 3 });
    expect(statuses.items.filter((s) => s.actor === 'c' && s.status === 'starting')).toHaveLength(4);

    // nothing respawns after giving up (a respawn waits for a backoff of at most 40 ms on this
    // clock), and the rest of the run stops cleanly
    clock.advance(500);
    expect(statuses.items.filter((s) => s.actor === 'c' && s.status === 'starting')).toHaveLength(4);
    expect(supervisor.status('bystander')?.status).toBe('ready');
    await supervisor.stopAll();
    expect(supervisor.status('bystander')?.status).toBe('stopped');
  });

  it('gives up on a non-critical actor without stopping the run', async () => {
    const { supervisor, faults, runStops, chaos } = setup({
      restart: { maxRestarts: 1, windowMs: 60_000, initialBackoffMs: 10, maxBackoffMs: 10 },
    });
    await chaos('mailer', { crashAfterMs: 10, crashMode: 'exit' }, false);
    await faults.waitFor((f) => f.fatal);
    expect(supervisor.status('mailer')?.status).toBe('failed');
    // A critical actor's give-up settles `fatal` in the same turn as its fatal fault.
    expect(await settledByNextTurn(supervisor.fatal)).toBe('pending');
    expect(runStops.items).toEqual([]);
  });

  it('the budget is per window: crashes spread out are always restarted', async () => {
    vi.stubEnv('REX_FAULT_INJECTION', '1'); // the test crashes the actor when it chooses
    const clock = new ManualClock();
    const { hub, supervisor, statuses, faults } = setup({
      clock,
      heartbeatTimeoutMs: 600_000, // the window elapses while the actor is up: not a hang
      restart: { maxRestarts: 1, windowMs: 60_000, initialBackoffMs: 10, maxBackoffMs: 10 },
    });
    await supervisor.start({ name: 'victim', entry: fixture('probe') });
    for (const restarts of [1, 2, 3]) {
      hub.bus.publish('fault.inject', { actor: 'victim', mode: 'exit' });
      await statuses.waitFor((s) => s.status === 'restarting' && s.restarts === restarts - 1);
      clock.advance(10);
      await statuses.waitFor((s) => s.status === 'ready' && s.restarts === restarts);
      clock.advance(60_000); // this restart leaves the window before the next crash
    }
    expect(faults.items.map((f) => f.fatal)).toEqual([false, false, false]);
    // Two crashes within the window are one too many.
    hub.bus.publish('fault.inject', { actor: 'victim', mode: 'exit' });
    await statuses.waitFor((s) => s.status === 'restarting' && s.restarts === 3);
    clock.advance(10);
    await statuses.waitFor((s) => s.status === 'ready' && s.restarts === 4);
    hub.bus.publish('fault.inject', { actor: 'victim', mode: 'exit' });
    const fatal = await faults.waitFor((f) => f.fatal);
    expect(fatal.code).toBe('REX_ACTOR_RESTART_BUDGET');
  });
});

describe('boot failures are not respawned', () => {
  it.each([
    ['throw', /chaos: boot failure on purpose/],
    ['exit', /exited unexpectedly with code 3/],
  ] as const)('start() rejects when the actor fails before READY (%s)', async (bootFailure, reason) => {
    const clock = new ManualClock();
    const { supervisor, statuses, faults, runStops, chaos } = setup({ clock });
    const error = await chaos('c', { bootFailure }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(errorCode(error)).toBe('REX_ACTOR_BOOT_FAILED');
    expect(error?.message).toMatch(/^actor "c" failed before READY and will not be restarted: /);
    expect(error?.message).toMatch(reason);
    expect(faults.items).toEqual([expect.objectContaining({ actor: 'c', code: 'REX_ACTOR_BOOT_FAILED', fatal: true })]);
    expect(clock.pending).toBe(0); // no backoff waits to respawn it
    expect(statuses.items.map((s) => s.status)).toEqual(['starting', 'failed']);
    expect(runStops.items).toHaveLength(1); // critical by default
    await expect(supervisor.fatal).resolves.toBe(error);
  });

  it('a READY timeout names the actor', async () => {
    const clock = new ManualClock();
    const { chaos } = setup({ clock, readyTimeoutMs: 300 });
    const started = chaos('stuck', { bootFailure: 'hang' });
    clock.advance(300);
    const error = await started.then(
      () => undefined,
      (e: unknown) => e as Error & { cause?: unknown },
    );
    expect(errorCode(error)).toBe('REX_ACTOR_BOOT_FAILED');
    expect(error?.message).toContain('actor "stuck" did not become READY within 300 ms');
    expect(errorCode(error?.cause)).toBe('REX_ACTOR_READY_TIMEOUT');
  });

  it('a missing entry file fails at once, naming the actor', async () => {
    const { supervisor } = setup();
    const error = await supervisor.start({ name: 'ghost', entry: new URL('../../dist/no/such/actor.js', import.meta.url) }).then(
      () => undefined,
      (e: unknown) => e as Error & { cause?: unknown },
    );
    expect(errorCode(error)).toBe('REX_ACTOR_BOOT_FAILED');
    expect(error?.message).toContain('actor "ghost"');
    expect(errorCode(error?.cause)).toMatch(/MODULE_NOT_FOUND/);
  });
});

describe('planned stops', () => {
  it('are never restarted, and wait for the actor to finish stopping', async () => {
    const clock = new ManualClock();
    const { supervisor, statuses, faults, chaos } = setup({ clock });
    await chaos('c', { slowStopMs: 150 });
    const started = Date.now();
    await supervisor.stop('c');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(clock.pending).toBe(0); // no backoff waits to restart it
    expect(statuses.items.map((s) => s.status)).toEqual(['starting', 'ready', 'stopping', 'stopped']);
    expect(faults.items).toEqual([]);
    await supervisor.stop('c'); // idempotent
  });

  it('stopAll: the most recently started first, then the others together', async () => {
    const { supervisor, statuses, chaos } = setup();
    await Promise.all(['a', 'b', 'c'].map((name) => chaos(name, {})));
    await chaos('last', {});
    const beforeStop = statuses.items.length;
    await supervisor.stopAll();
    const stops = statuses.items.slice(beforeStop).map((s) => `${s.actor} ${s.status}`);
    expect(stops.slice(0, 2)).toEqual(['last stopping', 'last stopped']);
    // The others are all asked before any of them has ended (one after another, each waited for its end).
    expect(new Set(stops.slice(2, 5))).toEqual(new Set(['a stopping', 'b stopping', 'c stopping']));
    expect(new Set(stops.slice(5))).toEqual(new Set(['a stopped', 'b stopped', 'c stopped']));
  });

  it('stopAll together (a finished run): every actor is asked before any has ended', async () => {
    const { supervisor, statuses, chaos } = setup();
    await Promise.all(['a', 'b', 'c'].map((name) => chaos(name, {})));
    await chaos('last', {});
    const beforeStop = statuses.items.length;
    await supervisor.stopAll({ together: true });
    const stops = statuses.items.slice(beforeStop).map((s) => `${s.actor} ${s.status}`);
    expect(new Set(stops.slice(0, 4))).toEqual(new Set(['a stopping', 'b stopping', 'c stopping', 'last stopping']));
    expect(new Set(stops.slice(4))).toEqual(new Set(['a stopped', 'b stopped', 'c stopped', 'last stopped']));
  });

  it('cancels a restart that is waiting for its backoff', async () => {
    const clock = new ManualClock();
    const { supervisor, statuses, chaos } = setup({
      clock,
      restart: { maxRestarts: 5, windowMs: 60_000, initialBackoffMs: 500, maxBackoffMs: 500 },
    });
    await chaos('c', { crashAfterMs: 10, crashMode: 'exit' });
    await statuses.waitFor((s) => s.status === 'restarting');
    await supervisor.stop('c');
    clock.advance(10_000);
    expect(statuses.items.map((s) => s.status)).toEqual(['starting', 'ready', 'restarting', 'stopped']);
  });

  it('terminates an actor whose stop takes too long', async () => {
    const clock = new ManualClock();
    const { supervisor, logs, chaos } = setup({ clock, stopTimeoutMs: 200 });
    await chaos('c', { slowStopMs: 10_000 });
    const started = Date.now();
    const stopped = supervisor.stop('c');
    clock.advance(200);
    await stopped;
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(supervisor.status('c')?.status).toBe('stopped');
    await logs.waitFor((l) => l.level === 'warn' && l.message.includes('did not stop within 200 ms'));
  });

  it('start() after the hub closed rejects instead of throwing', async () => {
    const { hub, supervisor } = setup();
    hub.close();
    await expect(supervisor.start({ name: 'late', entry: fixture('probe') })).rejects.toMatchObject({
      code: 'REX_ACTOR_BOOT_FAILED',
      message: expect.stringContaining('the bus of "hub" is closed'),
    });
  });

  it('rejects unknown and duplicate names', async () => {
    const { supervisor } = setup();
    await expect(supervisor.stop('nobody')).rejects.toMatchObject({ code: 'REX_ACTOR_UNKNOWN' });
    await supervisor.start({ name: 'p', entry: fixture('probe') });
    await expect(supervisor.start({ name: 'p', entry: fixture('probe') })).rejects.toMatchObject({
      code: 'REX_ACTOR_DUPLICATE',
    });
  });
});

describe('fault injection', () => {
  it.each([
    ['throw', 'REX_ACTOR_FAULT_INJECTED'], // thrown in a bus subscriber (rxjs onUnhandledError)
    ['throw-async', 'REX_ACTOR_FAULT_INJECTED'], // uncaughtException
    ['reject', 'REX_ACTOR_FAULT_INJECTED'], // unhandledRejection
    ['exit', 'REX_ACTOR_EXITED'],
    ['hang', 'REX_ACTOR_HUNG'],
  ] as const)('with REX_FAULT_INJECTION=1, "%s" crashes the actor and it is restarted', async (mode, code) => {
    vi.stubEnv('REX_FAULT_INJECTION', '1');
    const { hub, supervisor, statuses, faults } = setup({ heartbeatTimeoutMs: 300 });
    await supervisor.start({ name: 'victim', entry: fixture('probe') });
    const before = supervisor.status('victim')?.threadId;
    hub.bus.publish('fault.inject', { actor: 'victim', mode });
    const again = await statuses.waitFor((s) => s.status === 'ready' && s.restarts === 1);
    expect(again.threadId).not.toBe(before);
    expect(faults.items).toEqual([expect.objectContaining({ actor: 'victim', code, fatal: false })]);
  });

  it('is ignored when REX_FAULT_INJECTION is not set', async () => {
    vi.stubEnv('REX_FAULT_INJECTION', '');
    const { hub, supervisor, faults } = setup();
    await supervisor.start({ name: 'victim', entry: fixture('probe'), data: { serve: ['test.echo'] } });
    const before = supervisor.status('victim');
    hub.bus.publish('fault.inject', { actor: 'victim', mode: 'exit' });
    // The request travels behind the injection on the same port: answered, the injection was
    // read and ignored ('exit' would have ended the thread at once).
    await expect(hub.bus.request('test.echo', { x: 2 })).resolves.toEqual({ x: 2 });
    expect(supervisor.status('victim')).toEqual(before);
    expect(faults.items).toEqual([]);
  });

  it('only hits the named actor', async () => {
    vi.stubEnv('REX_FAULT_INJECTION', '1');
    const { hub, supervisor, statuses } = setup();
    await supervisor.start({ name: 'one', entry: fixture('probe') });
    await supervisor.start({ name: 'two', entry: fixture('probe') });
    hub.bus.publish('fault.inject', { actor: 'two', mode: 'exit' });
    await statuses.waitFor((s) => s.actor === 'two' && s.status === 'ready' && s.restarts === 1);
    expect(supervisor.status('one')).toMatchObject({ status: 'ready', restarts: 0 });
  });
});
