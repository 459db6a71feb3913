// The byte reader of number arrays runs for every value of every trace line on the ingest thread:
// garbage per value there is a scavenge every few lines (issue 18). A double passed to or returned
// from a call V8 does not inline is boxed (a 16-byte heap object), so values travel through arrays.
import inspector from 'node:inspector';
import { describe, expect, it } from 'vitest';
import { readNumberArray } from '../../src/protocol/number-array-bytes.js';
import { seededRandom } from '../helpers/random.js';

/** Bytes allocated on the JS heap by `run` (sampled, collected objects included), per call. */
async function heapBytesPerCall(run: () => void, calls: number): Promise<number> {
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
  await post('HeapProfiler.startSampling', {
    samplingInterval: 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  for (let i = 0; i < calls; i++) run();
  const { profile } = (await post('HeapProfiler.stopSampling')) as { profile: { head: SampleNode } };
  session.disconnect();
  const total = (node: SampleNode): number => node.selfSize + node.children.reduce((sum, child) => sum + total(child), 0);
  return total(profile.head) / calls;
}

interface SampleNode {
  selfSize: number;
  children: SampleNode[];
}

describe('readNumberArray garbage', () => {
  it('reads a 10k-value trace of full-precision numbers without a heap object per value', async () => {
    const next = seededRandom(7);
    const values = Array.from({ length: 10_000 }, (_, i) => Math.sin(i * 0.001) + next() * 1e-3);
    const line = Buffer.from(`[${values.join(', ')}]`);
    const read = () => {
      if (readNumberArray(line, 0)?.values.length !== values.length) throw new Error('not read');
    };
    for (let i = 0; i < 300; i++) read(); // optimized, as on a running ingest
    // Boxed, it was ~216 KB a line (16 bytes for most values); the array of values is off-heap.
    expect(await heapBytesPerCall(read, 200)).toBeLessThan(32 * 1024);
  });
});
