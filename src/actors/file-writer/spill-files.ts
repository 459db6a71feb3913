/**
 * The spill of one run: three files shared by every channel (values as float64, multi rows'
 * lengths as u32, timestamps as text), each opened once. A channel's data on disk is a list of
 * pieces of these files, appended at their end and never rewritten, so a reader can work from a
 * copy of that list while the run goes on. A file per channel cost a create, opens and closes and
 * an unlink per channel: with 100,000 channels, minutes of syscalls.
 *
 * Small channels stay in memory (see ChannelSpill) until they grow or until all channels together
 * hold `budgetBytes`, when every channel with data in memory writes it out.
 */
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const read = promisify(fs.read);

/** What a channel keeps in memory, bounded for all channels together (default 32 MiB). */
const DEFAULT_BUDGET_BYTES = 32 << 20;

export class SpillFile {
  private readonly fd: number;
  private size = 0;

  constructor(readonly path: string) {
    this.fd = fs.openSync(path, 'w+');
  }

  /** Writes `data` at the end; returns where it starts. */
  append(data: Uint8Array): number {
    const at = this.size;
    for (let done = 0; done < data.byteLength; ) done += fs.writeSync(this.fd, data, done, data.byteLength - done, at + done);
    this.size += data.byteLength;
    return at;
  }

  /** Fills `target` from `position` (short only at the end of the file); returns the bytes read. */
  async readAt(target: Uint8Array, position: number): Promise<number> {
    let done = 0;
    while (done < target.byteLength) {
      const { bytesRead } = await read(this.fd, target, done, target.byteLength - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done;
  }

  /** {@link readAt}, at once (a few values, read back rarely). */
  readAtSync(target: Uint8Array, position: number): number {
    let done = 0;
    while (done < target.byteLength) {
      const bytesRead = fs.readSync(this.fd, target, done, target.byteLength - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done;
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

/** Values in a small channel's first block (ChannelSpill), cut from shared pages. */
export const SLOT_VALUES = 8;
const PAGE_VALUES = 64 * 1024;

/** Anything holding spill data in memory that can write it out. */
export interface Flushable {
  flush(): void;
}

export class SpillFiles {
  readonly values: SpillFile;
  readonly rows: SpillFile;
  readonly stamps: SpillFile;
  /** Bytes held in memory by all channels. */
  private pendingBytes = 0;
  private readonly holding = new Set<Flushable>();
  private page: Float64Array = new Float64Array(0);
  private pageUsed = 0;

  constructor(
    dir: string,
    private readonly budgetBytes = DEFAULT_BUDGET_BYTES,
  ) {
    this.values = new SpillFile(path.join(dir, 'values.f64'));
    this.rows = new SpillFile(path.join(dir, 'rows.u32'));
    this.stamps = new SpillFile(path.join(dir, 'stamps.txt'));
  }

  /** `channel` now holds `bytes` more in memory (negative: it wrote some out). */
  held(channel: Flushable, bytes: number): void {
    this.pendingBytes += bytes;
    if (bytes > 0) this.holding.add(channel);
    if (this.pendingBytes > this.budgetBytes) this.flushAll();
  }

  /** The channel wrote out everything it held. */
  released(channel: Flushable, bytes: number): void {
    this.pendingBytes -= bytes;
    this.holding.delete(channel);
  }

  /**
   * A block of SLOT_VALUES values for a channel's first values, in a page shared with other
   * channels (never given back: 64 bytes per channel of the run).
   */
  smallSlot(): { page: Float64Array; start: number } {
    if (this.pageUsed + SLOT_VALUES > this.page.length) {
      this.page = new Float64Array(PAGE_VALUES);
      this.pageUsed = 0;
    }
    const start = this.pageUsed;
    this.pageUsed += SLOT_VALUES;
    return { page: this.page, start };
  }

  flushAll(): void {
    for (const channel of [...this.holding]) channel.flush();
  }

  close(): void {
    for (const file of [this.values, this.rows, this.stamps]) file.close();
  }
}
