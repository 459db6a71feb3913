/**
 * A raw TCP client for system tests that attack rex's port: send arbitrary bytes (no framing, no
 * JSON), read reply lines with timeouts, tell "no reply" from "closed", stop reading on purpose,
 * and reset a connection (RST). Sockets still open when the test ends are destroyed.
 */
import net from 'node:net';
import { onTestFinished } from 'vitest';

export const DEFAULT_READ_TIMEOUT_MS = 10_000;

export class RawClient {
  private buffered: Buffer = Buffer.alloc(0);
  private ended = false;
  private failure: Error | null = null;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
      this.wake();
    });
    socket.on('end', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('error', (error) => {
      this.failure = error;
      this.wake();
    });
  }

  /** Connects to `port` on loopback. Destroyed after the current test if still open. */
  static connect(port: number, host = '127.0.0.1', timeoutMs = 5000): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${host}:${port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        const client = new RawClient(socket);
        onTestFinished(() => {
          socket.destroy();
        });
        resolve(client);
      });
    });
  }

  /** The peer closed its side (FIN or RST) or the socket is gone. */
  get closed(): boolean {
    return this.ended;
  }

  /** Bytes received and not yet returned as lines. */
  get pendingBytes(): number {
    return this.buffered.length;
  }

  /** Writes and resolves once the bytes are handed to the kernel. */
  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.write(data, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Writes without waiting; false when Node's write queue is over its high-water mark. */
  writeNoWait(data: string | Buffer): boolean {
    return this.socket.write(data);
  }

  /** Bytes queued in Node's write queue (not yet accepted by the kernel). */
  get queuedWriteBytes(): number {
    return this.socket.writableLength;
  }

  /** Sends `line` plus `\n` and reads one reply line. */
  async request(line: string | Buffer, timeoutMs = DEFAULT_READ_TIMEOUT_MS): Promise<string> {
    await this.write(typeof line === 'string' ? `${line}\n` : Buffer.concat([line, Buffer.from('\n')]));
    return this.readLine(timeoutMs);
  }

  /** The next reply line without its `\n`; rejects on timeout or when the connection closes first. */
  readLine(timeoutMs = DEFAULT_READ_TIMEOUT_MS): Promise<string> {
    return this.waitFor(timeoutMs, 'a reply line', () => {
      const newline = this.buffered.indexOf(0x0a);
      if (newline === -1) return undefined;
      const line = this.buffered.subarray(0, newline).toString('utf8');
      this.buffered = this.buffered.subarray(newline + 1);
      return line;
    });
  }

  async readLines(count: number, timeoutMs = DEFAULT_READ_TIMEOUT_MS): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    const lines: string[] = [];
    for (let i = 0; i < count; i++) lines.push(await this.readLine(Math.max(1, deadline - Date.now())));
    return lines;
  }

  /** Resolves when the peer has closed the connection (rejects after `timeoutMs`). */
  waitClosed(timeoutMs = DEFAULT_READ_TIMEOUT_MS): Promise<void> {
    return this.waitFor(timeoutMs, 'the connection to close', () => (this.ended ? true : undefined), true).then(() => undefined);
  }

  /** Waits `ms` and returns every byte that arrived (and was not read as a line) meanwhile. */
  async drainFor(ms: number): Promise<Buffer> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    const bytes = this.buffered;
    this.buffered = Buffer.alloc(0);
    return bytes;
  }

  /** Stops reading from the socket: the kernel buffers fill and the peer's writes back up. */
  stopReading(): void {
    this.socket.pause();
  }

  resumeReading(): void {
    this.socket.resume();
  }

  /** Half-close: no more bytes from us, replies still readable. */
  end(): void {
    this.socket.end();
  }

  /** Abortive close: the peer sees a TCP RST, not a FIN. */
  reset(): void {
    this.socket.resetAndDestroy();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private waitFor<T>(timeoutMs: number, what: string, take: () => T | undefined, closedIsResult = false): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const value = take();
        if (value !== undefined) {
          finish();
          resolve(value);
          return true;
        }
        if (!closedIsResult && (this.ended || this.failure)) {
          finish();
          const cause = this.failure ? `failed (${this.failure.message})` : 'was closed';
          reject(new Error(`the connection ${cause} while waiting for ${what}; unread bytes: ${preview(this.buffered)}`));
          return true;
        }
        return false;
      };
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(onWake);
      };
      const onWake = (): void => {
        check();
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; unread bytes: ${preview(this.buffered)}`));
      }, timeoutMs);
      if (!check()) this.waiters.add(onWake);
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

function preview(bytes: Buffer): string {
  if (bytes.length === 0) return '(none)';
  const text = JSON.stringify(bytes.subarray(0, 200).toString('utf8'));
  return bytes.length > 200 ? `${text}… (${bytes.length} bytes)` : text;
}
