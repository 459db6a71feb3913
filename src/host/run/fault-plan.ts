/**
 * Scheduled fault injection for tests of the fail-safe promise (docs/reliability.md). Only active
 * when rex runs with REX_FAULT_INJECTION=1 (the supervisor's switch) and REX_FAULT_PLAN holds a
 * JSON list of faults, e.g. `[{"actor":"ingest","mode":"exit","afterReplies":50}]`: after the
 * ingest actor has sent that many replies, the named actor is crashed in the named way; or
 * `"afterFinalBytes": N`: once the file-writer has written N bytes of a final output file.
 * `REX_FAULT_HEARTBEAT_TIMEOUT_MS` shortens the supervisor's hung-actor limit (10 s), so a test of
 * a hang need not wait it out. A normal run never sets these variables, so it cannot trigger a
 * fault by accident.
 */
import type { Bus } from '../../bus/bus.js';
import { FAULT_MODES, type FaultMode } from '../../bus/fault-modes.js';

interface Fault {
  actor: string;
  mode: FaultMode;
  /** Fire once ingest has answered this many lines (all connections together)... */
  afterReplies?: number;
  /** ...or once this many bytes of a final output file are written. */
  afterFinalBytes?: number;
  exitCode?: number;
}

/** REX_FAULT_PLAN, checked by hand: a test's variable is not worth loading zod at every start for. */
export function parseFaultPlan(text: string): Fault[] {
  const plan: unknown = JSON.parse(text);
  if (!Array.isArray(plan)) throw new Error('REX_FAULT_PLAN: expected a JSON array of faults');
  return plan.map((fault: unknown, i) => {
    const wrong = (what: string) => new Error(`REX_FAULT_PLAN[${i}]: ${what}`);
    if (typeof fault !== 'object' || fault === null) throw wrong('expected an object');
    const { actor, mode, afterReplies, afterFinalBytes, exitCode } = fault as Record<string, unknown>;
    if (typeof actor !== 'string') throw wrong('actor: expected a string');
    if (!FAULT_MODES.includes(mode as FaultMode)) throw wrong(`mode: expected one of ${FAULT_MODES.join(', ')}`);
    const whole = (value: unknown, key: string, min = -Infinity): number | undefined => {
      if (value !== undefined && !(Number.isInteger(value) && (value as number) >= min)) throw wrong(`${key}: expected a whole number`);
      return value as number | undefined;
    };
    const checked: Fault = { actor, mode: mode as FaultMode };
    const replies = whole(afterReplies, 'afterReplies', 0);
    const bytes = whole(afterFinalBytes, 'afterFinalBytes', 0);
    const code = whole(exitCode, 'exitCode');
    if (replies !== undefined) checked.afterReplies = replies;
    if (bytes !== undefined) checked.afterFinalBytes = bytes;
    if (code !== undefined) checked.exitCode = code;
    return checked;
  });
}

/** The hung-actor limit a fault-injection test asked for; undefined otherwise (the default). */
export function faultHeartbeatTimeoutMs(env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (env.REX_FAULT_INJECTION !== '1' || !env.REX_FAULT_HEARTBEAT_TIMEOUT_MS) return undefined;
  const ms = Number(env.REX_FAULT_HEARTBEAT_TIMEOUT_MS);
  return Number.isInteger(ms) && ms >= 1_000 ? ms : undefined;
}

export function armFaultPlan(bus: Bus, env: NodeJS.ProcessEnv = process.env): void {
  if (env.REX_FAULT_INJECTION !== '1' || !env.REX_FAULT_PLAN) return;
  const plan = parseFaultPlan(env.REX_FAULT_PLAN);
  const inject = (fault: Fault, when: string): void => {
    bus.publish('log', {
      level: 'warn',
      source: 'fault-plan',
      message: `injecting ${fault.mode} into ${fault.actor} after ${when}`,
      ts: Date.now(),
    });
    bus.publish('fault.inject', {
      actor: fault.actor,
      mode: fault.mode,
      ...(fault.exitCode !== undefined ? { exitCode: fault.exitCode } : {}),
    });
  };
  const byReplies = plan.filter((f) => f.afterReplies !== undefined);
  const byBytes = plan.filter((f) => f.afterFinalBytes !== undefined);
  let replies = 0;
  const repliesSubscription = bus.on('ingest.reply').subscribe((reply) => {
    replies += reply.text.split('\n').length - 1;
    for (const fault of byReplies.filter((f) => replies >= f.afterReplies!)) {
      byReplies.splice(byReplies.indexOf(fault), 1);
      inject(fault, `${replies} replies`);
    }
    if (byReplies.length === 0) repliesSubscription.unsubscribe();
  });
  const bytesSubscription = bus.on('file.progress').subscribe(({ bytes }) => {
    for (const fault of byBytes.filter((f) => bytes >= f.afterFinalBytes!)) {
      byBytes.splice(byBytes.indexOf(fault), 1);
      inject(fault, `${bytes} bytes of the final file`);
    }
    if (byBytes.length === 0) bytesSubscription.unsubscribe();
  });
}
