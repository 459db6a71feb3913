/**
 * Formats the final file's data on two cores: turning doubles into their shortest decimal text is
 * most of the final write (120–370 ns a value, measured here), and at the end of a run the other core is
 * idle. Some runs go to one pool thread while this thread formats the next ones (render.ts keeps
 * the order); with two runs already there, the next is formatted here.
 */
import { Piscina } from 'piscina';
import type { FloatRunFormatter } from '../../protocol/output/render.js';
import { joinFloats } from '../../protocol/output/toml-values.js';
import type { FormatTask } from './format-pool-worker.js';

const MAX_RUNS_IN_POOL = 2;
const IDLE_THREAD_MS = 5_000;

export class FloatFormatPool {
  private pool: Piscina<FormatTask, string> | undefined;
  private runsInPool = 0;

  readonly format: FloatRunFormatter = (values, separator) => {
    if (this.runsInPool >= MAX_RUNS_IN_POOL) return joinFloats(values, separator);
    this.pool ??= new Piscina({
      filename: new URL('./format-pool-worker.js', import.meta.url).href,
      minThreads: 0,
      maxThreads: 1,
      idleTimeout: IDLE_THREAD_MS,
      // A run is 4096 values and its text: a small heap keeps the thread's memory small (the
      // 400 MB budget of a long run, bench/RESULTS.md, counts every thread).
      resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 },
    });
    this.runsInPool++;
    // A copy: the caller's values may be a view of memory it reuses. Cloned to the pool, not
    // moved, so that if the pool fails the run is still formatted here.
    const own = values.slice();
    return this.pool
      .run({ values: own, separator })
      .catch(() => joinFloats(own, separator))
      .finally(() => this.runsInPool--);
  };

  async close(): Promise<void> {
    await this.pool?.destroy();
    this.pool = undefined;
  }
}
