/**
 * Follows the log file of a run started by `rex serve` and hands each new line on. The run writes
 * its stdout and stderr to a file, not to pipes, so it keeps running (and logging) even if the
 * serve process is killed outright: a pipe without a reader would end it at its next log line.
 */
import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

const POLL_MS = 200;
const MAX_READ_BYTES = 1 << 20;
/** A line without an end is cut here (memory stays bounded). */
const MAX_LINE_CHARS = 64 * 1024;

export class LogTail {
  private offset = 0;
  private partial = '';
  // A read may end inside a multi-byte character: the decoder keeps the first half for the next.
  private readonly decoder = new StringDecoder('utf8');
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly file: string,
    private readonly onLine: (line: string) => void,
  ) {
    this.timer = setInterval(() => this.poll(), POLL_MS);
    this.timer.unref();
  }

  /** Reads what is left and stops following. */
  stop(): void {
    clearInterval(this.timer);
    this.poll();
    if (this.partial !== '') this.emit(this.partial);
    this.partial = '';
  }

  private poll(): void {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch {
      return;
    }
    try {
      let unread = fs.fstatSync(fd).size - this.offset;
      while (unread > 0) {
        const buffer = Buffer.alloc(Math.min(unread, MAX_READ_BYTES));
        const n = fs.readSync(fd, buffer, 0, buffer.length, this.offset);
        if (n === 0) break;
        this.offset += n;
        unread -= n;
        const lines = (this.partial + this.decoder.write(buffer.subarray(0, n))).split('\n');
        this.partial = lines.pop() ?? '';
        for (const line of lines) this.emit(line);
        if (this.partial.length > MAX_LINE_CHARS) {
          this.emit(`${this.partial.slice(0, MAX_LINE_CHARS)}…`);
          this.partial = '';
        }
      }
    } catch {
      // A read error leaves the offset where it was; the next poll tries again.
    } finally {
      fs.closeSync(fd);
    }
  }

  private emit(line: string): void {
    const text = line.replace(/\r$/, '');
    if (text !== '') this.onLine(text);
  }
}
