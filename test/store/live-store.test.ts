// The store's live view: a message updates only what it holds (issue 14: a message's cost must
// not grow with the channels seen), and the STATE counts stay exact.
import { describe, expect, it } from 'vitest';
import { LiveStore } from '../../src/actors/store/live-store.js';
import { createDeviceRegistry, mergeAndCommit } from '../../src/protocol/merge.js';
import type { DeviceMessage } from '../../src/protocol/messages.js';

const message = (channels: Record<string, number[]>): DeviceMessage => ({
  device_name: 'scope',
  device_config: {},
  channels: Object.entries(channels).map(([name, values]) => ({
    name,
    unit: 'V',
    data: { shape: 'single', values: Float64Array.from(values) },
  })),
});

describe('LiveStore', () => {
  it('keeps exact per-channel counts when later messages hold only some channels', () => {
    const store = new LiveStore({ subsampling: true });
    store.runStart({ uuid: 'u', loop: 0, loops: 1, startTimeNs: '0', outputDir: '.', dryRun: false, metaJson: '{}', run: {} } as never);
    store.session({ info: { name: 'a', email: 'a@b.c', session_name: 's', session_description: 'd' } } as never);
    const registry = createDeviceRegistry();
    for (const m of [message({ a: [1, 2], b: [1] }), message({ b: [2, 3] }), message({ c: [1] })]) {
      const merged = mergeAndCommit(registry, m, '2026-01-16T06:35:32Z');
      if (!merged.ok) throw new Error(merged.reason);
      store.device(m, merged);
    }
    expect(JSON.parse(store.stateJson()).run.counts).toEqual({ scope: { a: 2, b: 3, c: 1 } });
  });

  it('sums up a device of many channels by its first 20 and how many it has', () => {
    const store = new LiveStore({ subsampling: true });
    store.runStart({ uuid: 'u', loop: 0, loops: 1, startTimeNs: '0', outputDir: '.', dryRun: false, metaJson: '{}', run: {} } as never);
    const wide = message(Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`c${i}`, [i]])));
    const merged = mergeAndCommit(createDeviceRegistry(), wide, '2026-01-16T06:35:32Z');
    if (!merged.ok) throw new Error(merged.reason);
    store.device(wide, merged);
    const [device] = store.summary()!.devices;
    expect(device!.channels.map((c) => c.name)).toEqual(Array.from({ length: 20 }, (_, i) => `c${i}`));
    expect(device!.channelCount).toBe(1000);
  });

  it('counts asked for by STATE during the run stay exact as later messages come', () => {
    const store = new LiveStore({ subsampling: true });
    store.runStart({ uuid: 'u', loop: 0, loops: 1, startTimeNs: '0', outputDir: '.', dryRun: false, metaJson: '{}', run: {} } as never);
    const registry = createDeviceRegistry();
    store.session({ info: { name: 'a', email: 'a@b.c', session_name: 's', session_description: 'd' } } as never);
    const counts: unknown[] = [];
    for (const m of [message({ a: [1, 2], b: [1] }), message({ b: [2, 3] }), { ...message({ x: [1] }), device_name: 'dmm' }]) {
      const merged = mergeAndCommit(registry, m, '2026-01-16T06:35:32Z');
      if (!merged.ok) throw new Error(merged.reason);
      store.device(m, merged);
      counts.push(JSON.parse(store.stateJson()).run.counts);
    }
    expect(counts).toEqual([{ scope: { a: 2, b: 1 } }, { scope: { a: 2, b: 3 } }, { scope: { a: 2, b: 3 }, dmm: { x: 1 } }]);
  });

  it('sums up the iteration: totals for the status line; devices, channels, units, counts and results at the end', () => {
    const store = new LiveStore({ subsampling: true });
    expect(store.status()).toBeNull();
    store.runStart({ uuid: 'u', loop: 1, loops: 2, startTimeNs: '0', outputDir: '.', dryRun: false, metaJson: '{}', run: {} } as never);
    store.session({ info: { name: 'a', email: 'a@b.c', session_name: 's', session_description: 'd' } } as never);
    const registry = createDeviceRegistry();
    const trace: DeviceMessage = {
      device_name: 'osc',
      device_config: {},
      channels: [{ name: 'trace', unit: 'mV', data: { shape: 'multi', rows: [Float64Array.of(1, 2), Float64Array.of(3, 4)] } }],
    };
    for (const m of [message({ a: [1, 2], b: [1] }), message({ b: [2, 3] }), trace]) {
      const merged = mergeAndCommit(registry, m, '2026-01-16T06:35:32Z');
      if (!merged.ok) throw new Error(merged.reason);
      store.device(m, merged);
    }
    store.result({ result_name: 'fit', result_description: '', result_status: false });
    store.result({ result_name: 'fit', result_description: '', result_status: true });
    store.result({ result_name: 'range', result_description: '', result_status: false });
    store.pause(true);
    expect(store.status()).toEqual({ loop: 1, loops: 2, paused: true, ended: false, messages: 7, values: 7, devices: 2 });
    store.runEnd({ endTimeNs: '1', reason: 'script-exit', exitCode: 0, signal: null });
    expect(store.status()?.ended).toBe(true);
    expect(store.summary()).toEqual({
      loop: 1,
      loops: 2,
      messages: 7,
      devices: [
        {
          name: 'scope',
          channels: [
            { name: 'a', unit: 'V', shape: 'single', count: 2 },
            { name: 'b', unit: 'V', shape: 'single', count: 3 },
          ],
          channelCount: 2,
        },
        { name: 'osc', channels: [{ name: 'trace', unit: 'mV', shape: 'multi', count: 2 }], channelCount: 1 },
      ],
      // A later result of the same name replaces the earlier one, as in the file.
      results: [
        { name: 'fit', pass: true },
        { name: 'range', pass: false },
      ],
    });
    // STATE's extension carries the same units, shapes and results, for the browser view.
    expect(JSON.parse(store.stateJson()).run).toMatchObject({
      channels: {
        scope: { a: { unit: 'V', shape: 'single' }, b: { unit: 'V', shape: 'single' } },
        osc: { trace: { unit: 'mV', shape: 'multi' } },
      },
      results: { fit: true, range: false },
    });
  });
});
