import { describe, expect, it } from 'vitest';
import { parseFaultPlan } from '../../src/host/run/fault-plan.js';

describe('REX_FAULT_PLAN', () => {
  it('reads each fault with its trigger', () => {
    const plan = parseFaultPlan(
      '[{"actor":"ingest","mode":"exit","afterReplies":50,"exitCode":3},{"actor":"file-writer","mode":"hang","afterFinalBytes":0}]',
    );
    expect(plan).toEqual([
      { actor: 'ingest', mode: 'exit', afterReplies: 50, exitCode: 3 },
      { actor: 'file-writer', mode: 'hang', afterFinalBytes: 0 },
    ]);
  });

  it.each([
    ['{"actor":"ingest"}', /expected a JSON array/],
    ['[1]', /\[0\]: expected an object/],
    ['[{"mode":"exit"}]', /\[0\]: actor: expected a string/],
    ['[{"actor":"a","mode":"explode"}]', /\[0\]: mode: expected one of throw, throw-async, reject, exit, hang/],
    ['[{"actor":"a","mode":"exit"},{"actor":"b","mode":"exit","afterReplies":-1}]', /\[1\]: afterReplies: expected a whole number/],
    ['[{"actor":"a","mode":"exit","afterFinalBytes":1.5}]', /afterFinalBytes: expected a whole number/],
    ['[{"actor":"a","mode":"exit","exitCode":"3"}]', /exitCode: expected a whole number/],
  ])('refuses %s, naming the fault and the key', (text, reason) => {
    expect(() => parseFaultPlan(text)).toThrow(reason);
  });
});
