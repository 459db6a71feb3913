/**
 * The thin, never-parsing layer of the ingest actor that owns the client sockets. It runs on the
 * main thread so that client connections survive a crash of the ingest worker: bytes are forwarded
 * to the worker, and every byte the worker has not yet acknowledged (consumed and journaled) is
 * kept here and re-sent to a restarted worker.
 */
import net from 'node:net';
import type { Subscription } from 'rxjs';
import type { Bus } from '../../bus/bus.js';

export interface SocketFrontOptions {
  host: string;
  /** Stop reading from a client whose unacknowledged bytes exceed this (backpressure). */
  maxUnackedBytesPerConnection: number;
  /** Stop reading from a client that does not read its replies once this much is queued for it. */
  maxQueuedReplyBytes: number;
}

interface Connection {
  id: number;
  socket: net.Socket;
  /** Chunks forwarded to the worker and not yet consumed, with their stream offsets. */
  unacked: Array<{ offset: number; bytes: Buffer }>;
  unackedBytes: number;
  nextOffset: number;
  ending: boolean;
}

export interface ListenResult {
  port: number;
  /** True when the requested port was busy and another was chosen. */
  fellBack: boolean;
}

export class SocketFront {
  // Half-open: a client may finish sending and still read the replies to its last lines.
  private readonly server = net.createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
  private readonly connections = new Map<number, Connection>();
  private nextConnectionId = 1;
  private readonly subscriptions: Subscription[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly options: SocketFrontOptions,
  ) {
    this.subscriptions.push(
      bus.on('ingest.reply').subscribe((reply) => this.onReply(reply)),
    );
    bus.serve('ingest.resync', () => this.unackedSnapshot());
    this.server.on('error', (error) => bus.publish('log', logEntry('error', `TCP server error: ${error.message}`)));
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Binds `port`; when it is busy, binds a free port instead (SPEC §3 deviation). */
  async listen(port: number): Promise<ListenResult> {
    try {
      return { port: await this.bind(port), fellBack: false };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      return { port: await this.bind(0), fellBack: true };
    }
  }

  async close(): Promise<void> {
    for (const s of this.subscriptions) s.unsubscribe();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const connection of this.connections.values()) connection.socket.destroy();
    await closed;
  }

  private bind(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.server.once('error', onError);
      this.server.listen({ port, host: this.options.host, exclusive: true }, () => {
        this.server.off('error', onError);
        resolve((this.server.address() as net.AddressInfo).port);
      });
    });
  }

  private accept(socket: net.Socket): void {
    const connection: Connection = {
      id: this.nextConnectionId++,
      socket,
      unacked: [],
      unackedBytes: 0,
      nextOffset: 0,
      ending: false,
    };
    this.connections.set(connection.id, connection);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.forward(connection, chunk));
    socket.on('drain', () => this.updateFlow(connection));
    socket.on('end', () => this.bus.publish('ingest.eof', { connId: connection.id }));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.connections.delete(connection.id);
      this.bus.publish('ingest.closed', { connId: connection.id });
    });
  }

  private forward(connection: Connection, chunk: Buffer): void {
    const offset = connection.nextOffset;
    connection.nextOffset += chunk.length;
    connection.unacked.push({ offset, bytes: chunk });
    connection.unackedBytes += chunk.length;
    this.bus.publish('ingest.bytes', { connId: connection.id, offset, bytes: toOwnArrayBuffer(chunk) });
    this.updateFlow(connection);
  }

  private onReply(reply: { connId: number; text: string; consumedOffset: number; close: boolean }): void {
    const connection = this.connections.get(reply.connId);
    if (!connection) return;
    while (connection.unacked.length > 0) {
      const first = connection.unacked[0]!;
      const end = first.offset + first.bytes.length;
      if (end <= reply.consumedOffset) {
        connection.unacked.shift();
        connection.unackedBytes -= first.bytes.length;
      } else {
        if (first.offset < reply.consumedOffset) {
          const cut = reply.consumedOffset - first.offset;
          connection.unacked[0] = { offset: reply.consumedOffset, bytes: first.bytes.subarray(cut) };
          connection.unackedBytes -= cut;
        }
        break;
      }
    }
    if (reply.text.length > 0 && !connection.socket.destroyed) connection.socket.write(reply.text);
    if (reply.close && !connection.ending) {
      connection.ending = true;
      connection.socket.end();
    }
    this.updateFlow(connection);
  }

  private updateFlow(connection: Connection): void {
    const congested =
      connection.unackedBytes > this.options.maxUnackedBytesPerConnection ||
      connection.socket.writableLength > this.options.maxQueuedReplyBytes;
    if (congested && !connection.socket.isPaused()) connection.socket.pause();
    else if (!congested && connection.socket.isPaused()) connection.socket.resume();
  }

  /**
   * A (re)started worker asks for every byte it has not consumed, per open connection. Chunks
   * forwarded meanwhile arrive after this answer on the same port; the worker skips what it already has.
   */
  private unackedSnapshot(): { connections: Array<{ connId: number; offset: number; bytes: ArrayBuffer }> } {
    const connections = [...this.connections.values()].map((connection) => {
      const offset = connection.unacked[0]?.offset ?? connection.nextOffset;
      const bytes = Buffer.concat(connection.unacked.map((c) => c.bytes));
      return { connId: connection.id, offset, bytes: toOwnArrayBuffer(bytes) };
    });
    return { connections };
  }
}

function toOwnArrayBuffer(chunk: Buffer): ArrayBuffer {
  const copy = new ArrayBuffer(chunk.length);
  new Uint8Array(copy).set(chunk);
  return copy;
}

function logEntry(level: 'error' | 'warn' | 'info', message: string) {
  return { level, source: 'ingest', message, ts: Date.now() };
}
