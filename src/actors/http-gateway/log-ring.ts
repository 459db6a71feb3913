/**
 * The live tail of a run's log (issue 16): its last LIVE_LOG_LINES lines, each known by its number
 * in the run's log (from 0), so that a reader who asks "after n" gets what it lacks and sees what
 * it missed. The run's owner on the main thread keeps one (`serve.log` answers from it), the
 * gateway another for its event streams. Memory stays bounded, however fast the script writes.
 * Pure.
 */
import type { ServeLogChunk } from './messages.js';

/** Lines kept: what the Live tab shows. */
export const LIVE_LOG_LINES = 200;
/** A longer line is cut here: the ring holds at most LIVE_LOG_LINES times this. */
export const MAX_LOG_LINE_CHARS = 2000;

export class LogRing {
  private lines: string[] = [];
  /** The number of the next line; lines before `count - lines.length` are gone. */
  private count = 0;

  constructor(
    readonly id: string | null = null,
    private readonly keep = LIVE_LOG_LINES,
  ) {}

  /** The number the next line will have. */
  get next(): number {
    return this.count;
  }

  push(line: string): void {
    this.lines.push(line.length > MAX_LOG_LINE_CHARS ? `${line.slice(0, MAX_LOG_LINE_CHARS)}…` : line);
    this.count++;
    if (this.lines.length > this.keep) this.lines.splice(0, this.lines.length - this.keep);
  }

  /** The lines numbered `after` and on that are still kept (those before them are gone). */
  since(after: number): ServeLogChunk {
    const first = this.count - this.lines.length;
    return { id: this.id, next: this.count, lines: this.lines.slice(Math.max(0, after - first)) };
  }

  /** The last `n` lines. */
  tail(n: number): string[] {
    return this.lines.slice(-n);
  }

  /** Takes in a chunk of the same run (`since` of another ring): the lines it lacks, and, after a gap, only what follows it. */
  append(chunk: ServeLogChunk): void {
    const first = chunk.next - chunk.lines.length;
    if (first > this.count) this.lines = [];
    for (const [i, line] of chunk.lines.entries()) if (first + i >= this.count) this.lines.push(line);
    this.count = Math.max(this.count, chunk.next);
    if (this.lines.length > this.keep) this.lines.splice(0, this.lines.length - this.keep);
  }
}
