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
import type { Piscina } from 'piscina';
import { type LineParse, parseLineForIngest } from './parse-line-for-ingest.js';
import { type LineItem, concatOwned, copyParts, joinParts, ownsItsBuffer } from '../../protocol/line-splitter.js';
import { tableOutlines, unpackOutlines } from './outlined-device.js';
import { ChannelTable } from '../../protocol/channel-table.js';
import type { ParseTask, PoolAnswer } from './parse-pool-thread.js';
import { distFile } from '../../runtime/dist-file.js';
import { ReusedValueArrays } from './reused-value-arrays.js';

/**
 * From this size on a line is parsed in the pool. A 10,000-point trace (~200 KB, ~1 ms) stays on
 * the ingest thread; a message of 10,000 small channels (~360 KB) took 70–130 ms to parse.
 */
export const POOL_MIN_LINE_BYTES = 256 * 1024;
const IDLE_THREAD_MS = 30_000;
/**
 * A line of this size or more reuses memory, given back by `LineParse.release` once the line is
 * journaled: a buffer to join it in when it spanned chunks, arrays for its decoded binary traces
 * (reused-value-arrays.ts). A new 200 KB buffer per trace line was fresh memory to fault in and,
 * with the join's copy, 70–220 µs of the ingest's time per line (issue 18).
 */
const REUSED_MEMORY_MIN_BYTES = 16 * 1024;
/** Join buffers kept for reuse: a line's buffer is given back before the next is usually joined. */
const MAX_FREE_JOIN_BUFFERS = 4;

export class LineParser {
  private pool: Piscina<ParseTask, PoolAnswer> | undefined;
  private readonly freeJoinBuffers: ArrayBuffer[] = [];
  private readonly valueArrays = new ReusedValueArrays();

  /**
   * `line` as the splitter gives it: in pieces when it spanned chunks (a big one is joined on the
   * pool's thread). The pieces that own their ArrayBuffers are moved to the pool, not copied; the
   * first and last, when they share their chunk with other lines, are copied (at most a chunk each).
   */
  parse({ parts, length }: LineItem): LineParse | Promise<LineParse> {
    if (length < REUSED_MEMORY_MIN_BYTES) return parseLineForIngest(joinParts(parts, length));
    if (length < POOL_MIN_LINE_BYTES) return this.parseReusing(parts, length);
    const task = parts.map((part) => (ownsItsBuffer(part) ? part : concatOwned([part], part.length)));
    const transferList = [...new Set(task.map((part) => part.buffer as ArrayBuffer))];
    return this.startPool().then((pool) => pool.run({ parts: task, length }, { transferList }).then(fromPool));
  }

  /** Parsed in reused memory, which the parse's `release` gives back. */
  private parseReusing(parts: readonly Buffer[], length: number): LineParse {
    const joinBuffer = parts.length > 1 ? (this.freeJoinBuffers.pop() ?? new ArrayBuffer(POOL_MIN_LINE_BYTES)) : undefined;
    const line = joinBuffer ? copyParts(parts, Buffer.from(joinBuffer, 0, length)) : parts[0]!;
    const values = this.valueArrays.lease();
    const parse = parseLineForIngest(line, values.allocate);
    parse.release = () => {
      values.giveBack();
      if (joinBuffer && this.freeJoinBuffers.length < MAX_FREE_JOIN_BUFFERS) this.freeJoinBuffers.push(joinBuffer);
    };
    return parse;
  }

  /** piscina is loaded with the first big line: most runs never need it, and every thread's start pays for what it loads. */
  private async startPool(): Promise<Piscina<ParseTask, PoolAnswer>> {
    const { Piscina } = await import('piscina');
    this.pool ??= new Piscina({
      filename: distFile('actors/ingest/parse-pool-thread.js').href,
      minThreads: 0,
      maxThreads: 1,
      idleTimeout: IDLE_THREAD_MS,
    });
    return this.pool;
  }

  async close(): Promise<void> {
    await this.pool?.destroy();
  }
}

/** Buffers come back from another thread as plain Uint8Arrays; a device message as its outlines. */
function fromPool(answer: PoolAnswer): LineParse {
  const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const { parsed } = answer;
  const deviceBody = answer.deviceBody?.map(asBuffer) ?? null;
  return {
    line: asBuffer(answer.line),
    parsed:
      parsed?.kind === 'packed-outlines'
        ? { kind: 'outlined-device', outlines: unpackOutlines(parsed.packed) }
        : parsed?.kind === 'table-outlines'
          ? {
              kind: 'outlined-device',
              outlines: tableOutlines(parsed.deviceName, ChannelTable.decode(deviceBody![answer.tablePart!]!, true)),
            }
          : parsed,
    deviceBody,
    bodyCrc: answer.bodyCrc,
  };
}
