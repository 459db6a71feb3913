// A device message packed for the trip back from the parse pool must unpack to the same message
// (its config aside, which the pool leaves out), whatever the mix of shapes and sizes.
import { describe, expect, it } from 'vitest';
import { packDevice, unpackDevice } from '../../src/actors/ingest/packed-device.js';
import type { DeviceMessage } from '../../src/protocol/messages.js';

const ramp = (length: number, from = 0): Float64Array => Float64Array.from({ length }, (_, i) => from + i / 4);

describe('packDevice / unpackDevice', () => {
  it('round-trips singles, multis, empty arrays, timestamps and odd names', () => {
    const message: DeviceMessage = {
      device_name: 'scope "A"',
      device_config: { gain: 2 },
      channels: [
        { name: 'small', unit: 'V', data: { shape: 'single', values: ramp(3) } },
        { name: 'big', unit: 'V', data: { shape: 'single', values: ramp(5000, 1) } },
        { name: 'empty', unit: '', data: { shape: 'single', values: ramp(0) } },
        { name: 'rows', unit: 'A', data: { shape: 'multi', rows: [ramp(2), ramp(2000), ramp(0), ramp(7, -3)] } },
        { name: 'no rows', unit: 'A', data: { shape: 'multi', rows: [] } },
        {
          name: 'x\u0000y',
          unit: 'µs',
          data: { shape: 'single', values: Float64Array.of(NaN, -0, Infinity) },
          timestamps: ['2026-11-25T06:00:00Z'],
        },
      ],
    };
    const packed = packDevice(message);
    expect(packed.arrays.map((a) => a.length)).toEqual([5000, 2000]); // the rest share one slab
    expect(packed.slab.length).toBe(3 + 2 + 7 + 3);
    expect(unpackDevice(packed)).toEqual({ ...message, device_config: {} });
    const unpacked = unpackDevice(packed).channels[5]!.data;
    if (unpacked.shape !== 'single') throw new Error('expected a single');
    expect(Object.is(unpacked.values[1], -0)).toBe(true);
  });

  it('10,000 channels: one slab, no own arrays', () => {
    const channels = Array.from({ length: 10_000 }, (_, i) => ({
      name: `ch${i}`,
      unit: 'V',
      data: { shape: 'single' as const, values: Float64Array.of(i) },
    }));
    const packed = packDevice({ device_name: 'wide', device_config: {}, channels });
    expect(packed.arrays).toHaveLength(0);
    expect(unpackDevice(packed).channels).toEqual(channels);
  });
});
