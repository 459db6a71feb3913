// The final file's data formatted on two threads (real piscina thread, from the build in dist/):
// runs handed to the pool thread come back as the bytes this thread would write, each its own,
// however many are handed over at once and whichever thread formats them.
import { afterAll, expect, it } from 'vitest';
import type { FloatFormatPool as FloatFormatPoolType } from '../../src/actors/file-writer/float-format-pool.js';
import { formatFloats } from '../../src/protocol/output/toml-values.js';
import { seededRandom } from '../helpers/random.js';

const { FloatFormatPool } = (await import(
  new URL('../../dist/actors/file-writer/float-format-pool.js', import.meta.url).href
)) as typeof import('../../src/actors/file-writer/float-format-pool.js');
const pool: FloatFormatPoolType = new FloatFormatPool();
afterAll(() => pool.close());

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

it('formats runs on both threads, each as formatFloats writes it, the caller free to reuse its values', async () => {
  const next = seededRandom(7);
  const runs = Array.from({ length: 40 }, (_, r) =>
    Float64Array.from({ length: 2048 + r * 100 }, (_, i) => (r % 3 === 0 ? i : Math.sin(i * 0.01 + r) + next() * 1e-3)),
  );
  // The pool thread starts with the first long run; until then runs are formatted here.
  await expect.poll(async () => pool.format(runs[0]!, ', ') instanceof Promise, { interval: 20 }).toBe(true);

  const reused = new Float64Array(8192);
  const answers: Array<Uint8Array | Promise<Uint8Array>> = [];
  for (const [r, values] of runs.entries()) {
    // As the spill reader does: one block of memory, overwritten for the next run.
    const view = reused.subarray(0, values.length);
    view.set(values);
    answers.push(pool.format(view, ', '));
    // As the renderer does: a few runs ahead of the one it writes.
    if (r >= 4) await answers[r - 4];
  }
  const pooled = answers.filter((answer) => answer instanceof Promise).length;
  expect(pooled).toBeGreaterThan(runs.length / 4);
  expect(pooled).toBeLessThan(runs.length);
  expect((await Promise.all(answers)).map(text)).toEqual(runs.map((values) => text(formatFloats(values, ', '))));
});
