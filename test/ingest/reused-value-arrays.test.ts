// The ingest's reused arrays for big lines' data arrays and decoded binary traces: reused by size, and bounded in what they
// keep, so that a client sending ever new sizes does not make the ingest hold memory.
import { describe, expect, it } from 'vitest';
import { ReusedValueArrays } from '../../src/actors/ingest/reused-value-arrays.js';

describe('ReusedValueArrays', () => {
  it('hands out an array given back for the same size only, and each array once', () => {
    const arrays = new ReusedValueArrays();
    const lease = arrays.lease();
    const a = lease.allocate(2_000);
    const b = lease.allocate(3_000);
    lease.giveBack();
    lease.giveBack();
    const next = arrays.lease();
    expect(next.allocate(3_000)).toBe(b);
    expect(next.allocate(2_000)).toBe(a);
    expect(next.allocate(2_000)).not.toBe(a); // given back once, handed out once
    expect(arrays.heldBytes).toBe(0);
  });

  it('keeps no small arrays, at most 64 of one size and 4 MiB in all', () => {
    const arrays = new ReusedValueArrays();
    const small = arrays.lease();
    small.allocate(50);
    small.giveBack();
    expect(arrays.heldBytes).toBe(0);
    const same = arrays.lease();
    for (let i = 0; i < 100; i++) same.allocate(1_000);
    same.giveBack();
    expect(arrays.heldBytes).toBe(64 * 1_000 * 8);
    const many = arrays.lease();
    for (let size = 2_000; size < 2_500; size++) many.allocate(size);
    many.giveBack();
    expect(arrays.heldBytes).toBeLessThanOrEqual(4 * 1024 * 1024);
    expect(arrays.heldBytes).toBeGreaterThan(4 * 1024 * 1024 - 2_500 * 8);
  });
});
