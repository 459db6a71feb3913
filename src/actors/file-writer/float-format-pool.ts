/**
 * Formats the final file's data on two cores: turning doubles into their shortest decimal text is
 * most of the final write, and at the end of a run the other core is idle. Some runs go to one
 * pool thread while this thread formats the next ones (render.ts keeps the order); with two runs
 * already there, the next is formatted here. The pool's bytes are moved back, not copied.
 */
import type { Piscina } from 'piscina';
import type { FloatRunFormatter } from '../../protocol/output/render.js';
import { formatFloats } from '../../protocol/output/toml-values.js';
import type { FormatTask } from './format-pool-thread.js';
import { distFile } from '../../runtime/dist-file.js';

const MAX_RUNS_IN_POOL = 2;
/** Shorter runs are formatted here: handing them over costs more than formatting them. */
const MIN_POOL_RUN = 1024;
const IDLE_THREAD_MS = 5_000;

export class FloatFormatPool {
  private pool: Piscina<FormatTask, Uint8Array> | undefined;
  /** piscina, loaded with the first long run (a small file never needs it: start-up pays for every module). */
  private loading: Promise<void> | undefined;
  private handedOver = 0;
  /**
   * Runs handed over that are settled: counted by the pool thread as it formats each, so that this
   * thread learns it while it formats a run of its own, before it reads the answer (and here for
   * one that failed there). Counted from the answers, the pool looked full for as long as this
   * thread was busy, and the two took turns (bench/RESULTS.md).
   */
  private readonly settled = new Int32Array(new SharedArrayBuffer(4));

  readonly format: FloatRunFormatter = (values, separator) => {
    if (this.pool === undefined && values.length >= MIN_POOL_RUN) this.loading ??= this.startPool().catch(() => {});
    const inPool = this.handedOver - Atomics.load(this.settled, 0);
    // Until the pool is there, runs are formatted here.
    if (this.pool === undefined || inPool >= MAX_RUNS_IN_POOL || values.length < MIN_POOL_RUN) {
      return formatFloats(values, separator);
    }
    this.handedOver++;
    // A copy: the caller's values may be a view of memory it reuses. Cloned to the pool, not
    // moved, so that if the pool fails the run is still formatted here.
    const own = values.slice();
    return this.pool.run({ values: own, separator, settled: this.settled }).catch(() => {
      Atomics.add(this.settled, 0, 1);
      return formatFloats(own, separator);
    });
  };

  private async startPool(): Promise<void> {
    const { Piscina } = await import('piscina');
    this.pool = new Piscina({
      filename: distFile('actors/file-writer/format-pool-thread.js').href,
      minThreads: 0,
      maxThreads: 1,
      // The runs handed over wait in the thread's own queue. Queued here, the next one waited for
      // this thread to turn (formatting a run of its own) each time the previous one ended.
      concurrentTasksPerWorker: MAX_RUNS_IN_POOL,
      idleTimeout: IDLE_THREAD_MS,
      // A run is at most 16384 values and its bytes, off the heap: a small heap keeps the thread's
      // memory small (the 400 MB budget of a long run, bench/RESULTS.md, counts every thread).
      resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 },
    });
  }

  async close(): Promise<void> {
    await this.loading;
    await this.pool?.destroy();
    this.pool = undefined;
    this.loading = undefined;
  }
}
