/**
 * Scheduled fault injection for tests of the fail-safe promise (docs/reliability.md). Only active
 * when rex runs with REX_FAULT_INJECTION=1 (the supervisor's switch) and REX_FAULT_PLAN holds a
 * JSON list of faults, e.g. `[{"actor":"ingest","mode":"exit","afterReplies":50}]`: after the
 * ingest actor has sent that many replies, the named actor is crashed in the named way.
 * A normal run never sets these variables, so it cannot trigger a fault by accident.
 */
import { z } from 'zod';
import type { Bus } from '../bus/bus.js';
import { FAULT_MODES } from '../bus/payloads.js';

const FaultPlanSchema = z.array(
  z.object({
    actor: z.string(),
    mode: z.enum(FAULT_MODES),
    /** Fire once ingest has answered this many lines (all connections together). */
    afterReplies: z.number().int().min(0),
    exitCode: z.number().int().optional(),
  }),
);

export function armFaultPlan(bus: Bus, env: NodeJS.ProcessEnv = process.env): void {
  if (env.REX_FAULT_INJECTION !== '1' || !env.REX_FAULT_PLAN) return;
  const plan = FaultPlanSchema.parse(JSON.parse(env.REX_FAULT_PLAN));
  let replies = 0;
  const pending = [...plan];
  const subscription = bus.on('ingest.reply').subscribe((reply) => {
    replies += reply.text.split('\n').length - 1;
    for (const fault of pending.filter((f) => replies >= f.afterReplies)) {
      pending.splice(pending.indexOf(fault), 1);
      bus.publish('log', { level: 'warn', source: 'fault-plan', message: `injecting ${fault.mode} into ${fault.actor} after ${replies} replies`, ts: Date.now() });
      bus.publish('fault.inject', { actor: fault.actor, mode: fault.mode, ...(fault.exitCode !== undefined ? { exitCode: fault.exitCode } : {}) });
    }
    if (pending.length === 0) subscription.unsubscribe();
  });
}
