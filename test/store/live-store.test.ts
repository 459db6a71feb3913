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
});
