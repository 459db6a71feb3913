/**
 * Parses lines for the ingest thread: most at once, big ones (from POOL_MIN_LINE_BYTES, such as a
 * hostile 10 MB line) on a pool of threads (piscina), so that the ingest thread keeps answering
 * other lines and other connections meanwhile. The pool (one thread: the run's own threads share
 * the cores) starts with the first big line, runs at a lower priority, and stops when idle.
 *
 * Why not every trace: on a 2-core machine the run's own threads and the client already keep
 * both cores busy, and moving a line to another thread costs more than it saves (measured in
 * bench/RESULTS.md: a pool for 200 KB traces halved throughput).
 */
import { Piscina } from 'piscina';
import { type LineParse, parseLineForIngest } from './line-parse.js';
import type { ParseTask } from './parse-pool-worker.js';

/**
 * From this size on a line is parsed in the pool. A 10,000-point trace (~200 KB, ~1 ms) stays on
 * the ingest thread; a message of 10,000 small channels (~360 KB) took 70–130 ms to parse.
 */
export const POOL_MIN_LINE_BYTES = 256 * 1024;
const IDLE_THREAD_MS = 30_000;

export class LineParser {
  private pool: Piscina<ParseTask, LineParse> | undefined;

  /** `owned`: the line's ArrayBuffer holds nothing else, so it is moved to the pool, not copied. */
  parse(line: Buffer, owned: boolean): LineParse | Promise<LineParse> {
    if (line.length < POOL_MIN_LINE_BYTES) return parseLineForIngest(line);
    this.pool ??= new Piscina({
      filename: new URL('./parse-pool-worker.js', import.meta.url).href,
      minThreads: 0,
      maxThreads: 1,
      idleTimeout: IDLE_THREAD_MS,
    });
    const task = owned ? line : ownedCopy(line);
    return this.pool.run({ line: task }, { transferList: [task.buffer as ArrayBuffer] }).then(rewrapBuffers);
  }

  async close(): Promise<void> {
    await this.pool?.destroy();
  }
}

/** The line alone in its own ArrayBuffer, which can be moved to the pool. */
function ownedCopy(line: Buffer): Uint8Array {
  const copy = new Uint8Array(new ArrayBuffer(line.length));
  copy.set(line);
  return copy;
}

/** Buffers come back from another thread as plain Uint8Arrays. */
function rewrapBuffers(result: LineParse): LineParse {
  const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  return { ...result, line: asBuffer(result.line), deviceBody: result.deviceBody?.map(asBuffer) ?? null };
}
