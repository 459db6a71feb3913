/**
 * A channel's timestamps as int64 nanoseconds for the binary exports (Parquet, HDF5). rex writes
 * RFC 3339, but a file written by another tool or edited by hand may hold other text: such a
 * timestamp becomes INT64_MIN (numpy's NaT; Parquet writes it as null), is counted, and the
 * channel gets one warning line at its end. The export goes on (docs/export.md).
 */
import type { ChannelEntry } from '../../protocol/run-file/model.js';
import { timestampNanos, timestampsToNanos } from '../../protocol/run-file/timestamps.js';

/** What numpy reads as NaT in a datetime64 array. */
export const NAT = -(2n ** 63n);

export class ChannelStamps {
  /** Timestamps that are not RFC 3339 so far, and the first of them. */
  private bad = 0;
  private first = '';

  get count(): number {
    return this.bad;
  }

  constructor(
    private readonly file: string,
    private readonly channel: ChannelEntry,
  ) {}

  /** The nanoseconds of `texts`, NAT where one is not RFC 3339. */
  toNanos(texts: readonly string[]): BigInt64Array {
    const { nanos, bad } = timestampsToNanos(texts);
    if (bad < 0) return nanos;
    for (let i = bad; i < texts.length; i++) {
      const value = timestampNanos(texts[i]!);
      if (value !== null) nanos[i] = value;
      else {
        nanos[i] = NAT;
        if (this.bad++ === 0) this.first = texts[i]!;
      }
    }
    return nanos;
  }

  /** One line on stderr if some were not RFC 3339, saying what they were written as. */
  warn(writtenAs: string): void {
    if (this.bad === 0) return;
    const { device, name } = this.channel;
    const count = this.bad === 1 ? 'a timestamp is' : `${this.bad} timestamps are`;
    console.error(
      `rex: warning: ${this.file}: device ${JSON.stringify(device)}, channel ${JSON.stringify(name)}: ${count} not RFC 3339 ` +
        `(the first: ${JSON.stringify(this.first)}), written as ${writtenAs}`,
    );
  }
}
