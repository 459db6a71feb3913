// A device message's outlines, packed for the trip back from the parse pool, must unpack to what
// the message itself outlines to, slice by slice, whatever the mix of shapes and timestamps.
import { describe, expect, it } from 'vitest';
import { OUTLINE_SLICE, outlinesOf, packOutlines, unpackOutlines } from '../../src/actors/ingest/outlined-device.js';
import type { DeviceMessage } from '../../src/protocol/messages.js';

const ramp = (length: number, from = 0): Float64Array => Float64Array.from({ length }, (_, i) => from + i / 4);
const allOutlines = (device: ReturnType<typeof outlinesOf>) => Array.from({ length: device.slices }, (_, i) => device.slice(i)).flat();

describe('packOutlines / unpackOutlines', () => {
  it('outlines singles, multis, empty arrays, odd names; timestamps as count, first and first invalid', () => {
    const message: DeviceMessage = {
      device_name: 'scope "A"',
      device_config: { gain: 2 },
      channels: [
        { name: 'small', unit: 'V', data: { shape: 'single', values: ramp(3) } },
        { name: 'empty', unit: '', data: { shape: 'single', values: ramp(0) } },
        { name: 'rows', unit: 'A', data: { shape: 'multi', rows: [ramp(2), ramp(2000), ramp(0)] } },
        { name: 'no rows', unit: 'A', data: { shape: 'multi', rows: [] } },
        {
          name: 'x\u0000y',
          unit: 'µs',
          data: { shape: 'single', values: Float64Array.of(NaN, -0) },
          timestamps: ['2026-11-25T06:00:00Z', 'yesterday'],
        },
        { name: 'stamped', unit: 'V', data: { shape: 'single', values: ramp(1) }, timestamps: ['2026-11-25T06:00:00Z'] },
      ],
    };
    const unpacked = unpackOutlines(packOutlines(message));
    expect(unpacked.deviceName).toBe('scope "A"');
    expect(unpacked.config).toEqual({}); // the pool leaves the config out
    expect(allOutlines(unpacked)).toEqual([
      { name: 'small', unit: 'V', multi: false, length: 3, firstRowLength: 0 },
      { name: 'empty', unit: '', multi: false, length: 0, firstRowLength: 0 },
      { name: 'rows', unit: 'A', multi: true, length: 3, firstRowLength: 2 },
      { name: 'no rows', unit: 'A', multi: true, length: 0, firstRowLength: 0 },
      {
        name: 'x\u0000y',
        unit: 'µs',
        multi: false,
        length: 2,
        firstRowLength: 0,
        timestamps: { length: 2, first: '2026-11-25T06:00:00Z', invalid: 'yesterday' },
      },
      {
        name: 'stamped',
        unit: 'V',
        multi: false,
        length: 1,
        firstRowLength: 0,
        timestamps: { length: 1, first: '2026-11-25T06:00:00Z', invalid: null },
      },
    ]);
  });

  it(`many channels come in slices of ${OUTLINE_SLICE}, in order, parsed in place or packed alike`, () => {
    const channels = Array.from({ length: 2 * OUTLINE_SLICE + 1 }, (_, i) => ({
      name: `ch${i}`,
      unit: 'V',
      data: { shape: 'single' as const, values: Float64Array.of(i) },
    }));
    const message = { device_name: 'wide', device_config: {}, channels };
    const inPlace = outlinesOf(message);
    const packed = unpackOutlines(packOutlines(message));
    expect(inPlace.slices).toBe(3);
    expect(packed.slices).toBe(3);
    expect(packed.slice(2)).toEqual([{ name: `ch${2 * OUTLINE_SLICE}`, unit: 'V', multi: false, length: 1, firstRowLength: 0 }]);
    expect(allOutlines(packed)).toEqual(allOutlines(inPlace));
  });
});
