// The ingest decides from outlines (OutlineMerge, in slices, from the pool's packed outlines); the
// journal's readers replay with mergeDevice. Both must reach the same states, reasons and warnings.
import { describe, expect, it } from 'vitest';
import { outlinesOf, packOutlines, unpackOutlines } from '../../src/actors/ingest/outlined-device.js';
import { type DeviceRegistry, OutlineMerge, createDeviceRegistry, mergeDevice, commitMerge } from '../../src/protocol/merge.js';
import type { DeviceMessage, MeasurementChannel } from '../../src/protocol/messages.js';

const ARRIVAL = '2026-01-16T06:35:32Z';
const T = (s: number): string => `2026-01-16T06:35:${String(s).padStart(2, '0')}Z`;

function channel(name: string, data: number[] | number[][], unit = 'V', timestamps?: string[]): MeasurementChannel {
  const shaped: MeasurementChannel['data'] = Array.isArray(data[0])
    ? { shape: 'multi', rows: (data as number[][]).map((row) => Float64Array.from(row)) }
    : { shape: 'single', values: Float64Array.from(data as number[]) };
  return timestamps === undefined ? { name, unit, data: shaped } : { name, unit, data: shaped, timestamps };
}

// Every rule: promotion both ways, ragged rows, empty messages, unit and shape rejections,
// timestamps per value, one for all, too few, not RFC 3339.
const MESSAGES: DeviceMessage[] = [
  [channel('a', [1, 2], 'V', [T(1), T(2)]), channel('b', []), channel('c', [5])],
  [channel('a', [3, 4]), channel('b', [1, 2, 3], 'A', [T(3)]), channel('c', [6, 7], 'V', [T(4)])],
  [channel('a', [5]), channel('b', [[1, 2, 3]], 'A')],
  [channel('a', [[1], [2, 3]], 'V', [T(5), 'not a time'])],
  [channel('c', [[1]])],
  [
    channel(
      'd',
      [
        [1, 2],
        [3, 4],
      ],
      'V',
      [T(6), T(7)],
    ),
    channel('a', [9], 'mV'),
  ],
  [channel('d', [1, 2, 3], 'V', [T(8), T(9)]), channel('e', [], 'V', [T(1)])],
].map((channels) => ({ device_name: 'dev', device_config: { k: 1 }, channels }));

function decideByOutlines(devices: DeviceRegistry, message: DeviceMessage, packed: boolean) {
  const outlines = packed ? unpackOutlines(packOutlines(message)) : outlinesOf(message);
  const merge = new OutlineMerge(devices, message.device_name, outlines.config, outlines.configFloats, ARRIVAL);
  for (let i = 0; i < outlines.slices && merge.add(outlines.slice(i)); i++) {}
  if (merge.rejection === null) merge.commit();
  return merge;
}

describe('OutlineMerge', () => {
  for (const packed of [false, true]) {
    it(`decides as mergeDevice does, message after message (${packed ? 'packed by the pool' : 'parsed in place'})`, () => {
      const replayed = createDeviceRegistry();
      const ingest = createDeviceRegistry();
      for (const message of MESSAGES) {
        const outcome = mergeDevice(replayed, message, ARRIVAL);
        if (outcome.ok) commitMerge(replayed, outcome);
        const merge = decideByOutlines(ingest, message, packed);
        expect(merge.rejection?.reason).toBe(outcome.ok ? undefined : outcome.reason);
        expect(merge.warnings).toEqual(outcome.ok ? outcome.warnings : []);
        expect([...ingest.get('dev')!.channels]).toEqual([...replayed.get('dev')!.channels]);
      }
    });
  }

  it('costs what the message holds: the device map is updated in place, not copied', () => {
    const devices = createDeviceRegistry();
    decideByOutlines(devices, { device_name: 'dev', device_config: {}, channels: [channel('a', [1]), channel('b', [2])] }, false);
    const channels = devices.get('dev')!.channels;
    decideByOutlines(devices, { device_name: 'dev', device_config: {}, channels: [channel('b', [3])] }, false);
    expect(devices.get('dev')!.channels).toBe(channels);
    expect(channels.get('b')!.count).toBe(2);
  });

  it('a decision made stale by another message of the device is refused', () => {
    const devices = createDeviceRegistry();
    const slow = new OutlineMerge(devices, 'dev', {}, undefined, ARRIVAL);
    slow.add(outlinesOf({ device_name: 'dev', device_config: {}, channels: [channel('a', [1])] }).slice(0));
    decideByOutlines(devices, { device_name: 'dev', device_config: {}, channels: [channel('a', [1], 'mV')] }, false);
    expect(slow.stale).toBe(true);
    expect(() => slow.commit()).toThrow(/stale/);
  });
});
