/**
 * Reused 64 KiB blocks for the bytes the socket front keeps until the ingest worker acknowledges
 * them (issue 18). Kept as the socket's own chunks, every read of a pipelining client lived until
 * its reply, long enough to reach V8's old space: its memory came back only with a mark-compact,
 * and the growth of that external memory is what started the main thread's mark-compacts (7 in a
 * 1,000-line burst, with a 10 MB heap). A copy kept in a reused block lets the socket's chunk
 * itself be handed to the worker (transferred, not copied) and leaves nothing to collect.
 */

/** A socket read is at most this big (libuv reads 64 KiB at a time). */
export const BLOCK_BYTES = 64 * 1024;

export class KeptBlocks {
  private readonly free: Buffer[] = [];

  /** `maxFree`: blocks kept for reuse once given back; more are left to the garbage collector. */
  constructor(private readonly maxFree: number) {}

  /** A copy of `bytes` (at most BLOCK_BYTES) in a block of its own: `bytes` is a view of it. */
  keep(bytes: Buffer): { bytes: Buffer; block: Buffer } {
    const block = this.free.pop() ?? Buffer.from(new ArrayBuffer(BLOCK_BYTES));
    bytes.copy(block);
    return { bytes: block.subarray(0, bytes.length), block };
  }

  /** The block is no longer read: it may hold other bytes. */
  giveBack(block: Buffer): void {
    if (this.free.length < this.maxFree) this.free.push(block);
  }

  get freeCount(): number {
    return this.free.length;
  }
}
