// SPEC §4 merge rules, one by one, through the pure reducer.
import { describe, expect, it } from 'vitest';
import {
  type ChannelEffect,
  type DeviceRegistry,
  type MergeAccepted,
  type MergeOutcome,
  type Stamps,
  commitMerge,
  createDeviceRegistry,
  mergeAndCommit,
  mergeDevice,
  sliceStamps,
} from '../../src/protocol/merge.js';
import type { DeviceMessage, JsonObject, MeasurementChannel } from '../../src/protocol/messages.js';

const T0 = '2026-01-16T06:35:32.423257Z';
const T1 = '2026-01-16T06:35:37.5Z';
const T2 = '2026-01-16T06:35:42Z';

function flat(name: string, values: number[], unit = 'V', timestamps?: string[]): MeasurementChannel {
  const channel: MeasurementChannel = { name, unit, data: { shape: 'single', values: Float64Array.from(values) } };
  if (timestamps !== undefined) channel.timestamps = timestamps;
  return channel;
}

function multi(name: string, rows: number[][], unit = 'V', timestamps?: string[]): MeasurementChannel {
  const channel: MeasurementChannel = { name, unit, data: { shape: 'multi', rows: rows.map((r) => Float64Array.from(r)) } };
  if (timestamps !== undefined) channel.timestamps = timestamps;
  return channel;
}

function device(channels: MeasurementChannel[], config: JsonObject = {}, name = 'scope'): DeviceMessage {
  return { device_name: name, device_config: config, channels };
}

function accepted(outcome: MergeOutcome): MergeAccepted {
  if (!outcome.ok) throw new Error(`expected acceptance, got: ${outcome.reason}`);
  return outcome;
}

function only(outcome: MergeOutcome): ChannelEffect {
  const effects = accepted(outcome).effects;
  expect(effects).toHaveLength(1);
  return effects[0] as ChannelEffect;
}

function expand(stamps: Stamps): string[] {
  return sliceStamps(stamps);
}

/** A tiny consumer that applies effects to full in-memory storage, as the store's spill would. */
type Stored = { shape: 'single'; values: number[]; ts: string[] } | { shape: 'multi'; rows: number[][]; ts: string[] };
function apply(storage: Map<string, Stored>, effects: readonly ChannelEffect[]): void {
  for (const e of effects) {
    let s = storage.get(e.channel) ?? { shape: 'single', values: [], ts: [] };
    const op = e.store;
    if (op.kind === 'append-values') {
      if (s.shape !== 'single') throw new Error('values into multi');
      s.values.push(...op.values);
      s.ts.push(...expand(op.stamps));
    } else if (op.kind === 'append-rows') {
      if (s.shape === 'single') {
        if (s.values.length > 0) throw new Error('rows into non-empty single');
        s = { shape: 'multi', rows: [], ts: [] };
      }
      s.rows.push(...op.rows.map((r) => Array.from(r)));
      s.ts.push(...expand(op.stamps));
    } else if (op.kind === 'promote') {
      if (s.shape !== 'single' || s.values.length !== op.rowLength) throw new Error('bad promote');
      s = { shape: 'multi', rows: [s.values], ts: [op.row0Timestamp] };
      s.rows.push(...op.rows.map((r) => Array.from(r)));
      s.ts.push(...expand(op.stamps));
    }
    storage.set(e.channel, s);
  }
}

function run(messages: DeviceMessage[], arrival = [T0, T1, T2, T2, T2, T2]): { reg: DeviceRegistry; storage: Map<string, Stored> } {
  const reg = createDeviceRegistry();
  const storage = new Map<string, Stored>();
  for (const [i, m] of messages.entries()) apply(storage, accepted(mergeAndCommit(reg, m, arrival[i] ?? T2)).effects);
  return { reg, storage };
}

describe('device creation and config', () => {
  it('creates the device at its first message with that message config', () => {
    const reg = createDeviceRegistry();
    const first = accepted(mergeAndCommit(reg, device([flat('c', [1])], { gate_time: 1000 }), T0));
    expect(first.deviceCreated).toBe(true);
    expect(reg.get('scope')?.config).toEqual({ gate_time: 1000 });
  });

  it('freezes the config: later configs are ignored', () => {
    const reg = createDeviceRegistry();
    mergeAndCommit(reg, device([flat('c', [1])], { gate_time: 1000 }), T0);
    const second = accepted(mergeAndCommit(reg, device([flat('c', [2])], { gate_time: 5 }), T1));
    expect(second.deviceCreated).toBe(false);
    expect(reg.get('scope')?.config).toEqual({ gate_time: 1000 });
  });

  it('a message with no channels still creates the device', () => {
    const reg = createDeviceRegistry();
    accepted(mergeAndCommit(reg, device([], { a: 1 }), T0));
    expect(reg.get('scope')?.channels.size).toBe(0);
  });
});

describe('deciding without applying', () => {
  it('mergeDevice leaves the registry untouched; commitMerge applies', () => {
    const reg = createDeviceRegistry();
    const outcome = accepted(mergeDevice(reg, device([flat('c', [1, 2])]), T0));
    expect(reg.size).toBe(0);
    commitMerge(reg, outcome);
    expect(reg.get('scope')?.channels.get('c')).toMatchObject({ shape: 'single', count: 2 });
  });

  it('a stale outcome (registry changed in between) is refused', () => {
    const reg = createDeviceRegistry();
    const a = accepted(mergeDevice(reg, device([flat('c', [1])]), T0));
    const b = accepted(mergeDevice(reg, device([flat('c', [2])]), T1));
    commitMerge(reg, a);
    expect(() => commitMerge(reg, b)).toThrow(/stale/);
  });

  it("costs what the message holds: the device's channel map is changed in place, not copied", () => {
    const reg = createDeviceRegistry();
    const names = Array.from({ length: 100_000 }, (_, i) => `ch${i}`);
    mergeAndCommit(reg, device(names.map((name) => flat(name, [1]))), T0);
    const channels = reg.get('scope')!.channels;
    const states = [...channels.values()];
    const outcome = accepted(mergeAndCommit(reg, device([flat('ch7', [2, 3])]), T1));
    expect(reg.get('scope')!.channels).toBe(channels);
    const changed = [...channels.values()].flatMap((state, i) => (state === states[i] ? [] : [names[i]]));
    expect(changed).toEqual(['ch7']);
    expect(channels.size).toBe(100_000);
    // The consumers read the channel's states from the effect, not from whole-device states.
    expect(outcome.effects.map(({ before, after }) => ({ before, after }))).toEqual([
      { before: { unit: 'V', shape: 'single', count: 1 }, after: { unit: 'V', shape: 'single', count: 3 } },
    ]);
  });

  it('two replays of the same messages reach the same registry and effects', () => {
    const messages = [device([flat('t', [1, 2, 3])]), device([flat('t', [4, 5, 6])]), device([flat('t', [7])])];
    const one = run(messages);
    const two = run(messages);
    expect([...two.reg.entries()]).toEqual([...one.reg.entries()]);
    expect([...two.storage.entries()]).toEqual([...one.storage.entries()]);
  });
});

describe('single channels', () => {
  it('single values concatenate, one timestamp per value', () => {
    const { storage, reg } = run([device([flat('c', [1])]), device([flat('c', [2])]), device([flat('c', [3])])]);
    expect(storage.get('c')).toEqual({ shape: 'single', values: [1, 2, 3], ts: [T0, T1, T2] });
    expect(reg.get('scope')?.channels.get('c')).toEqual({ unit: 'V', shape: 'single', count: 3 });
  });

  it('flat messages of different lengths from the start stay single and concatenate', () => {
    const { storage } = run([device([flat('c', [1, 2])]), device([flat('c', [3, 4, 5])]), device([flat('c', [6, 7])])]);
    expect(storage.get('c')).toEqual({ shape: 'single', values: [1, 2, 3, 4, 5, 6, 7], ts: [T0, T0, T1, T1, T1, T2, T2] });
  });

  it('messages of one value never promote', () => {
    const { storage } = run([device([flat('c', [1])]), device([flat('c', [2])])]);
    expect(storage.get('c')?.shape).toBe('single');
  });
});

describe('single → multi promotion', () => {
  it('two non-empty flat messages of the same length k > 1 make the channel multi', () => {
    const reg = createDeviceRegistry();
    mergeAndCommit(reg, device([flat('t', [1, 2, 3])]), T0);
    const effect = only(mergeAndCommit(reg, device([flat('t', [4, 5, 6])]), T1));
    expect(effect.shape).toBe('multi');
    expect(effect.store).toMatchObject({ kind: 'promote', rowLength: 3, row0Timestamp: T0 });
    expect(reg.get('scope')?.channels.get('t')).toEqual({ unit: 'V', shape: 'multi', count: 2 });
  });

  it('after promotion each flat message is one row, ragged rows are kept, timestamps per row', () => {
    const { storage } = run([
      device([flat('t', [1, 2, 3])]),
      device([flat('t', [4, 5, 6])]),
      device([flat('t', [7, 8])]),
      device([flat('t', [9, 10, 11, 12])]),
    ]);
    expect(storage.get('t')).toEqual({
      shape: 'multi',
      rows: [
        [1, 2, 3],
        [4, 5, 6],
        [7, 8],
        [9, 10, 11, 12],
      ],
      ts: [T0, T1, T2, T2],
    });
  });

  it('empty messages in between do not count: the first two non-empty ones decide', () => {
    const { storage } = run([
      device([flat('t', [], 'V')]),
      device([flat('t', [1, 2])]),
      device([flat('t', [])]),
      device([flat('t', [3, 4])]),
    ]);
    expect(storage.get('t')).toMatchObject({
      shape: 'multi',
      rows: [
        [1, 2],
        [3, 4],
      ],
    });
  });

  it('a second message of another length ends the chance: the channel stays single for good', () => {
    const { storage } = run([device([flat('t', [1, 2])]), device([flat('t', [3, 4, 5])]), device([flat('t', [6, 7])])]);
    expect(storage.get('t')).toMatchObject({ shape: 'single', values: [1, 2, 3, 4, 5, 6, 7] });
  });

  it('an array of arrays whose first row has length k also promotes a pending single message', () => {
    const { storage } = run([
      device([flat('t', [1, 2])]),
      device([
        multi('t', [
          [3, 4],
          [5, 6, 7],
        ]),
      ]),
    ]);
    expect(storage.get('t')).toEqual({
      shape: 'multi',
      rows: [
        [1, 2],
        [3, 4],
        [5, 6, 7],
      ],
      ts: [T0, T1, T1],
    });
  });

  it('row 0 carries the first client timestamp of the promoted message', () => {
    const { storage } = run([
      device([flat('t', [1, 2], 'V', ['2026-01-01T00:00:01Z', '2026-01-01T00:00:02Z'])]),
      device([flat('t', [3, 4], 'V', ['2026-01-01T00:00:03Z'])]),
    ]);
    expect(storage.get('t')?.ts).toEqual(['2026-01-01T00:00:01Z', '2026-01-01T00:00:03Z']);
  });
});

describe('multi channels', () => {
  it('arrays of arrays append rows, one timestamp per row', () => {
    const { storage } = run([
      device([
        multi('m', [
          [1, 2],
          [3, 4],
        ]),
      ]),
      device([multi('m', [[5, 6]])]),
    ]);
    expect(storage.get('m')).toEqual({
      shape: 'multi',
      rows: [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      ts: [T0, T0, T1],
    });
  });

  it('a flat message into a multi channel is one more row, of any length', () => {
    const { storage } = run([device([multi('m', [[1, 2]])]), device([flat('m', [3, 4, 5])]), device([flat('m', [6])])]);
    expect(storage.get('m')).toEqual({ shape: 'multi', rows: [[1, 2], [3, 4, 5], [6]], ts: [T0, T1, T2] });
  });

  it('`[]` into a multi channel appends nothing', () => {
    const reg = createDeviceRegistry();
    mergeAndCommit(reg, device([multi('m', [[1, 2]])]), T0);
    expect(only(mergeAndCommit(reg, device([flat('m', [])]), T1)).store).toEqual({ kind: 'none' });
    expect(reg.get('scope')?.channels.get('m')?.count).toBe(1);
  });

  it('an empty row is still a row', () => {
    const { storage } = run([device([multi('m', [[]])]), device([multi('m', [[1]])])]);
    expect(storage.get('m')).toEqual({ shape: 'multi', rows: [[], [1]], ts: [T0, T1] });
  });
});

describe('empty first message', () => {
  it('fixes the unit but not the shape', () => {
    const reg = createDeviceRegistry();
    const effect = only(mergeAndCommit(reg, device([flat('e', [], 'mV')]), T0));
    expect(effect).toMatchObject({ before: undefined, shape: 'undecided', unit: 'mV', store: { kind: 'none' } });
    expect(effect.after).toEqual({ unit: 'mV', shape: 'undecided', count: 0 });
    expect(reg.get('scope')?.channels.get('e')).toEqual({ unit: 'mV', shape: 'undecided', count: 0 });
    // The shape is still open: an array of arrays is accepted…
    expect(only(mergeAndCommit(reg, device([multi('e', [[1, 2]], 'mV')]), T1)).shape).toBe('multi');
    // …but the unit is not.
    const rejected = mergeDevice(reg, device([flat('e', [1], 'V')]), T2);
    expect(rejected.ok).toBe(false);
  });

  it('an empty first message followed by scalars gives a single channel', () => {
    const { storage } = run([device([flat('e', [])]), device([flat('e', [1])]), device([flat('e', [2])])]);
    expect(storage.get('e')).toEqual({ shape: 'single', values: [1, 2], ts: [T1, T2] });
  });
});

describe('visible rejections', () => {
  it('another unit rejects the whole line, naming device, channel and both units', () => {
    const reg = createDeviceRegistry();
    mergeAndCommit(reg, device([flat('a', [1], 'V'), flat('b', [1], 's')]), T0);
    const before = reg.get('scope');
    const outcome = mergeDevice(reg, device([flat('b', [2], 's'), flat('a', [2], 'mV')]), T1);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.reason).toContain("'scope'");
      expect(outcome.reason).toContain("'a'");
      expect(outcome.reason).toContain("'V'");
      expect(outcome.reason).toContain("'mV'");
    }
    expect(reg.get('scope')).toBe(before);
  });

  it('an array of arrays into a channel holding single scalars is rejected', () => {
    const reg = createDeviceRegistry();
    mergeAndCommit(reg, device([flat('c', [1])]), T0);
    mergeAndCommit(reg, device([flat('c', [2])]), T1);
    const outcome = mergeDevice(reg, device([multi('c', [[1]])]), T2);
    expect(outcome).toMatchObject({ ok: false });
    if (!outcome.ok) expect(outcome.reason).toMatch(/shape mismatch.*'scope'.*'c'/);
  });

  it('an array of arrays of another row length than a pending message is rejected', () => {
    const reg = createDeviceRegistry();
    mergeAndCommit(reg, device([flat('c', [1, 2, 3])]), T0);
    expect(mergeDevice(reg, device([multi('c', [[1, 2]])]), T1).ok).toBe(false);
  });

  it('a rejected line does not create its device', () => {
    const reg = createDeviceRegistry();
    // Same channel twice in one message cannot happen from JSON; a unit clash with the registry can.
    mergeAndCommit(reg, device([flat('c', [1], 'V')], {}, 'other'), T0);
    expect(mergeDevice(reg, device([flat('c', [1], 'mV')], {}, 'other'), T1).ok).toBe(false);
    expect(reg.size).toBe(1);
  });
});

describe('timestamps', () => {
  const stampsOf = (outcome: MergeOutcome): string[] => {
    const op = only(outcome).store;
    if (op.kind === 'none') return [];
    return expand(op.stamps);
  };

  it('no client timestamps: the arrival time for every value', () => {
    const reg = createDeviceRegistry();
    expect(stampsOf(mergeDevice(reg, device([flat('c', [1, 2, 3])]), T0))).toEqual([T0, T0, T0]);
  });

  it('one client timestamp per value wins and is stored verbatim', () => {
    const reg = createDeviceRegistry();
    const ts = ['2026-01-01T00:00:00.1+02:00', '2026-01-01T00:00:00.2Z'];
    const outcome = mergeDevice(reg, device([flat('c', [1, 2], 'V', ts)]), T0);
    expect(stampsOf(outcome)).toEqual(ts);
    expect(accepted(outcome).warnings).toEqual([]);
  });

  it('one client timestamp for the whole message is repeated', () => {
    const reg = createDeviceRegistry();
    expect(stampsOf(mergeDevice(reg, device([flat('c', [1, 2, 3], 'V', [T1])]), T0))).toEqual([T1, T1, T1]);
  });

  it('one client timestamp per row for arrays of arrays', () => {
    const reg = createDeviceRegistry();
    expect(
      stampsOf(
        mergeDevice(
          reg,
          device([
            multi(
              'm',
              [
                [1, 2],
                [3, 4],
              ],
              'V',
              [T1, T2],
            ),
          ]),
          T0,
        ),
      ),
    ).toEqual([T1, T2]);
  });

  it('another count: the arrival time and a warning naming device and channel', () => {
    const reg = createDeviceRegistry();
    const outcome = accepted(mergeDevice(reg, device([flat('c', [1, 2, 3], 'V', [T1, T2])]), T0));
    expect(stampsOf(outcome)).toEqual([T0, T0, T0]);
    expect(outcome.warnings).toHaveLength(1);
    expect(outcome.warnings[0]).toMatchObject({ code: 'timestamp-count', device: 'scope', channel: 'c' });
  });

  it('a flat message stored as one row needs one timestamp: k timestamps are a mismatch', () => {
    const reg = createDeviceRegistry();
    mergeAndCommit(reg, device([multi('m', [[1, 2]])]), T0);
    const outcome = accepted(mergeDevice(reg, device([flat('m', [3, 4], 'V', [T1, T2])]), T2));
    expect(stampsOf(outcome)).toEqual([T2]);
    expect(outcome.warnings[0]?.code).toBe('timestamp-count');
  });

  it('timestamps that are not RFC 3339: the arrival time and a warning', () => {
    const reg = createDeviceRegistry();
    const outcome = accepted(mergeDevice(reg, device([flat('c', [1], 'V', ['yesterday'])]), T0));
    expect(stampsOf(outcome)).toEqual([T0]);
    expect(outcome.warnings[0]?.code).toBe('timestamp-invalid');
  });

  it('an empty message stores no timestamps and warns about nothing', () => {
    const reg = createDeviceRegistry();
    const outcome = accepted(mergeDevice(reg, device([flat('c', [], 'V', [T1, T2])]), T0));
    expect(outcome.effects[0]?.store).toEqual({ kind: 'none' });
    expect(outcome.warnings).toEqual([]);
  });

  it('data and timestamps line up in every case (count == timestamps)', () => {
    const { reg, storage } = run([
      device([flat('a', [1, 2]), flat('b', [1]), multi('c', [[1], [2]]), flat('d', [])]),
      device([flat('a', [3, 4], 'V', [T1]), flat('b', [2, 3], 'V', [T1, T2]), flat('c', [3, 4]), flat('d', [5, 6])]),
      device([flat('a', [5]), flat('b', [4], 'V', [T0, T1]), multi('c', [[5]], 'V', ['bad']), flat('d', [7, 8])]),
    ]);
    for (const [name, state] of reg.get('scope')?.channels ?? []) {
      const stored = storage.get(name);
      if (stored === undefined) throw new Error(`nothing stored for ${name}`);
      const entries = stored.shape === 'single' ? stored.values.length : stored.rows.length;
      expect(stored.ts.length, name).toBe(entries);
      expect(state.count, name).toBe(entries);
    }
  });
});
