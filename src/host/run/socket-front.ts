/**
 * The thin, never-parsing layer of the ingest actor that owns the client sockets. It runs on the
 * main thread so that client connections survive a crash of the ingest worker: bytes are forwarded
 * to the worker, and every byte the worker has not yet acknowledged (consumed and journaled) is
 * kept here and re-sent to a restarted worker.
 *
 * Flow control, per connection (SPEC §2: bad input never stalls the run for other clients):
 * - At most `maxLinesInFlight` complete lines (and, past the first, `maxInFlightBytes`) are with
 *   the worker unanswered; more are forwarded as they are answered. A client that floods lines
 *   (or sends queries without reading the answers) therefore never queues more than that in
 *   front of other clients' lines, while a client pipelining big traces keeps several in flight,
 *   so the worker can parse one while the next arrives.
 * - A line still incomplete is forwarded as it arrives (the worker needs all of it); the worker's
 *   line limit bounds it.
 * - Bytes that may not be forwarded yet stop reading from the socket (TCP pushes back on the
 *   client), as do unread replies piling up over `maxQueuedReplyBytes`.
 */
import net from 'node:net';
import type { Subscription } from 'rxjs';
import type { Bus } from '../../bus/bus.js';
import { type LineEnds, contentLineEnds, ownsItsBuffer } from '../../protocol/line-splitter.js';
import type { IngestResync } from '../../actors/ingest/index.js';
import { BLOCK_BYTES, KeptBlocks } from './kept-blocks.js';

export interface SocketFrontOptions {
  host: string;
  /** Stop reading from a client whose unacknowledged bytes exceed this (backpressure). */
  maxUnackedBytesPerConnection: number;
  /** Stop reading from a client that does not read its replies once this much is queued for it. */
  maxQueuedReplyBytes: number;
  /** Complete, unanswered lines handed to the worker per connection (default 64). */
  maxLinesInFlight?: number;
  /** Past one line, bytes of unanswered lines handed to the worker per connection (default 8 MiB). */
  maxInFlightBytes?: number;
}

/**
 * 64, not 16: with 16, a client pipelining 20 KB lines had its turn's reads cut short by the
 * limit, and small messages were back (bench/RESULTS.md, issue 18).
 */
const DEFAULT_MAX_LINES_IN_FLIGHT = 64;
const DEFAULT_MAX_IN_FLIGHT_BYTES = 8 * 1024 * 1024;
/**
 * A read at least this big comes from a client streaming: it is forwarded at the end of the turn,
 * with the connection's other reads of the turn (see `received`). Smaller ones are forwarded at
 * once: a client that waits for each reply sends one line at a time, and deferring it, or pausing
 * and resuming its socket (two syscalls per message, 10 % of its throughput), only costs it.
 */
const STREAMING_MIN_READ_BYTES = 16 * 1024;
/**
 * A streaming connection is read on within a turn of the event loop until this much is read, then
 * paused until the next: the turn's reads go to the worker as one message.
 */
const TURN_READ_BYTES = 256 * 1024;
/**
 * A read at least this big is kept as a copy in a reused block (kept-blocks.ts) and, when it is
 * forwarded whole in the turn it was read, handed to the worker itself (a client streaming fast is
 * read 64 KiB at a time). Smaller ones are kept as they are: a block holds one read, so this
 * bounds what kept bytes take to 4/3 of their size, even for a client trickling a 256 MiB line in
 * small reads.
 */
const BLOCK_MIN_CHUNK_BYTES = 48 * 1024;
/** Blocks kept for reuse: what a few connections pipelining big traces hold unacknowledged. */
const MAX_FREE_BLOCKS = 128;

interface Connection {
  id: number;
  socket: net.Socket;
  /** Chunks read and not yet consumed by the worker (forwarded or not), with their stream offsets. */
  unacked: Array<{ offset: number; bytes: Buffer; block?: Buffer }>;
  unackedBytes: number;
  /** Offset of the next byte to be read from the socket. */
  nextOffset: number;
  /**
   * The socket's chunks read this turn of which a copy is kept, in stream order. One forwarded
   * whole goes to the worker itself (transferred): no second copy, nothing left for this thread's
   * GC. The others are left to the GC at the turn's end, and forwarded later from the kept copies.
   */
  handOvers: Array<{ offset: number; chunk: Buffer }>;
  /** Every byte before this offset has been forwarded to the worker. */
  forwardedOffset: number;
  /** Every byte before this offset has been consumed by the worker (its replies say so). */
  consumedOffset: number;
  /** Ends of the forwarded lines the worker has not answered yet (blank lines get no answer). */
  lineEnds: number[];
  /** The forwarded bytes after the last newline hold a non-space byte. */
  partialHasContent: boolean;
  /**
   * The client finished sending. Once every byte is forwarded the end is handled: told to the
   * worker when it still owes replies (or has a last line without a newline), else the front closes.
   */
  eofReceived: boolean;
  eofHandled: boolean;
  /**
   * Bytes read in big reads this turn, forwarded together at its end (see `received`). From
   * TURN_READ_BYTES on, reading is paused until the next turn.
   */
  readThisTurn: number;
  /** Replies are being gathered into one write (see `writeReply`). */
  corked: boolean;
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
  /** Connections closed this turn of the event loop, told to the worker in one message. */
  private closedThisTurn: number[] = [];
  private readonly maxLinesInFlight: number;
  private readonly maxInFlightBytes: number;
  /** The supervisor gave up on the ingest worker: no line will be answered any more. */
  private ingestGivenUp = false;
  private readonly blocks = new KeptBlocks(MAX_FREE_BLOCKS);

  constructor(
    private readonly bus: Bus,
    private readonly options: SocketFrontOptions,
  ) {
    this.maxLinesInFlight = options.maxLinesInFlight ?? DEFAULT_MAX_LINES_IN_FLIGHT;
    this.maxInFlightBytes = options.maxInFlightBytes ?? DEFAULT_MAX_IN_FLIGHT_BYTES;
    this.subscriptions.push(bus.on('ingest.reply').subscribe((reply) => this.onReply(reply)));
    bus.serve('ingest.resync', () => this.unackedSnapshot());
    bus.serve('ingest.settle', ({ maxWaitMs }) => this.settle(maxWaitMs));
    this.subscriptions.push(
      bus.on('actor.status').subscribe(({ actor, status }) => {
        if (actor === 'ingest' && status === 'failed') this.dropClients();
      }),
    );
    // Before listening, an error is the bind's, reported by listen() (a busy port is not an ERROR).
    this.server.on('error', (error) => {
      if (this.server.listening) bus.publish('log', logEntry('error', `TCP server error: ${error.message}`));
    });
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Binds `port`; when it is busy and `fallback` allows, binds a free port instead (SPEC §3
   * deviation). A port given explicitly (`-P`) does not fall back: its script may have it written in.
   */
  async listen(port: number, fallback = true): Promise<ListenResult> {
    try {
      return { port: await this.bind(port), fellBack: false };
    } catch (error) {
      if (!fallback || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      return { port: await this.bind(0), fellBack: true };
    }
  }

  async close(): Promise<void> {
    for (const s of this.subscriptions) s.unsubscribe();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const connection of this.connections.values()) connection.socket.destroy();
    await closed;
  }

  /**
   * With the ingest given up, a client waiting for a reply would wait until the run's stop kills
   * it (a script that finishes its line in flight on SIGTERM waits the whole grace). Closing its
   * connection tells it at once that no reply will come; its journaled lines are kept.
   */
  private dropClients(): void {
    this.ingestGivenUp = true;
    if (this.connections.size > 0)
      this.bus.publish('log', logEntry('warn', `the ingest was given up: closing ${this.connections.size} client connection(s)`));
    for (const connection of this.connections.values()) connection.socket.destroy();
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
    if (this.ingestGivenUp) {
      socket.destroy();
      return;
    }
    const connection: Connection = {
      id: this.nextConnectionId++,
      socket,
      unacked: [],
      unackedBytes: 0,
      handOvers: [],
      nextOffset: 0,
      forwardedOffset: 0,
      consumedOffset: 0,
      lineEnds: [],
      partialHasContent: false,
      eofReceived: false,
      eofHandled: false,
      readThisTurn: 0,
      corked: false,
      ending: false,
    };
    this.connections.set(connection.id, connection);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.received(connection, chunk));
    socket.on('drain', () => this.pump(connection));
    socket.on('end', () => {
      connection.eofReceived = true;
      this.pump(connection);
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      // Whatever the client sent before it went away is still handled (replies go nowhere).
      this.forward(connection, this.forwardable(connection, Number.POSITIVE_INFINITY, false));
      this.connections.delete(connection.id);
      for (const kept of connection.unacked) if (kept.block) this.blocks.giveBack(kept.block);
      connection.unacked = [];
      this.tellClosed(connection.id);
    });
  }

  /**
   * One message per turn: a thousand clients going at once would otherwise be a thousand
   * cross-thread messages in a burst, in front of every other client's bytes and replies.
   * Sent after the closed connections' last bytes (same port, so in order).
   */
  private tellClosed(connId: number): void {
    if (this.closedThisTurn.push(connId) > 1) return;
    setImmediate(() => {
      const connIds = this.closedThisTurn;
      this.closedThisTurn = [];
      this.bus.publish('ingest.closed', { connIds });
    });
  }

  private received(connection: Connection, chunk: Buffer): void {
    const offset = connection.nextOffset;
    if (chunk.length >= BLOCK_MIN_CHUNK_BYTES && chunk.length <= BLOCK_BYTES && ownsItsBuffer(chunk)) {
      connection.unacked.push({ offset, ...this.blocks.keep(chunk) });
      connection.handOvers.push({ offset, chunk });
    } else {
      connection.unacked.push({ offset, bytes: chunk });
    }
    connection.unackedBytes += chunk.length;
    connection.nextOffset += chunk.length;
    if (chunk.length < STREAMING_MIN_READ_BYTES) {
      this.pump(connection);
      return;
    }
    // A client streaming: what it sends in a turn goes to the worker at the turn's end in one
    // message, for one batch of lines there (one journal write, one reply message, and one reply
    // write here). Per read, those were most of what a line of 20 KB cost. A turn reads at most
    // TURN_READ_BYTES of it: a client streaming a huge line must not keep the others' reads and
    // replies waiting while it is copied chunk after chunk.
    if (connection.readThisTurn === 0) setImmediate(() => this.endTurn(connection));
    connection.readThisTurn += chunk.length;
    if (turnReadFull(connection)) this.updateReading(connection);
  }

  /** The end of a turn in which the connection was read in big pieces: forwards what it read. */
  private endTurn(connection: Connection): void {
    connection.readThisTurn = 0;
    // Closed meanwhile: its bytes went to the worker with the close.
    if (this.connections.has(connection.id)) this.pump(connection);
    // Not forwarded whole this turn: forwarded later from the kept copies, and left to the GC.
    connection.handOvers = [];
  }

  /** Forwards what flow control allows, tells the worker of the end of stream, adjusts reading. */
  private pump(connection: Connection): void {
    while (connection.forwardedOffset < connection.nextOffset && !this.repliesPiledUp(connection)) {
      const linesInFlight = connection.lineEnds.length;
      const room = this.maxLinesInFlight - linesInFlight;
      if (room <= 0) break;
      if (linesInFlight > 0 && connection.forwardedOffset - connection.consumedOffset >= this.maxInFlightBytes) break;
      const next = this.forwardable(connection, room);
      if (next.length === 0) break;
      this.forward(connection, next);
    }
    if (connection.eofReceived && !connection.eofHandled && connection.forwardedOffset === connection.nextOffset) {
      connection.eofHandled = true;
      if (connection.lineEnds.length === 0 && !connection.partialHasContent) {
        // Every line answered and no last line without a newline: the worker has nothing left to
        // say. Closing here spares it and this thread two messages per client (1,000 clients
        // leaving at once were 2,000 messages in front of everyone else's replies).
        this.endSocket(connection);
      } else {
        this.bus.publish('ingest.eof', { connId: connection.id });
      }
    }
    this.updateReading(connection);
  }

  /**
   * How much of the unforwarded bytes (over any number of reads) may go: whole lines while there
   * is room for them, the first always, the others only while the bytes in flight before them are
   * under the byte limit; then what follows the last of them (a line in progress goes on as it
   * arrives). Line ends are relative to the first unforwarded byte. Not `bounded`: all of them.
   */
  private forwardable(connection: Connection, room: number, bounded = true): Forwardable {
    const inFlight = connection.forwardedOffset - connection.consumedOffset;
    const anyInFlight = connection.lineEnds.length > 0;
    const overLimit = (lineStart: number, linesBefore: number) =>
      bounded && (anyInFlight || linesBefore > 0) && inFlight + lineStart >= this.maxInFlightBytes;
    const ends: number[] = [];
    let length = 0;
    let tailHasContent = connection.partialHasContent;
    // From the chunk holding the first unforwarded byte (none when nothing is kept).
    for (let index = Math.max(0, this.chunkIndexAt(connection, connection.forwardedOffset)); index < connection.unacked.length; index++) {
      const chunk = connection.unacked[index]!;
      const piece = chunk.bytes.subarray(Math.max(0, connection.forwardedOffset - chunk.offset));
      const scan = contentLineEnds(piece, tailHasContent, room - ends.length);
      for (const end of scan.ends) {
        const lineStart = ends.at(-1) ?? 0;
        if (overLimit(lineStart, ends.length)) return { length: lineStart, ends, tailHasContent: false };
        ends.push(length + end);
      }
      if (ends.length === room) return { length: ends[room - 1]!, ends, tailHasContent: false };
      length += piece.length;
      tailHasContent = scan.tailHasContent;
    }
    const tailStart = ends.at(-1) ?? 0;
    if (overLimit(tailStart, ends.length)) return { length: tailStart, ends, tailHasContent: false };
    return { length, ends, tailHasContent };
  }

  /**
   * Forwards the next unforwarded bytes that `forwardable` measured (they may span chunks) in one
   * message, as transferred buffers: the socket's chunks read this turn, and copies of the rest.
   */
  private forward(connection: Connection, { length, ends, tailHasContent }: Forwardable): void {
    if (length <= 0) return;
    const offset = connection.forwardedOffset;
    const parts = this.partsToForward(connection, offset, length);
    for (const end of ends) connection.lineEnds.push(offset + end);
    connection.partialHasContent = tailHasContent;
    connection.forwardedOffset += length;
    // Transferred, not cloned: the bytes kept here are the copy for a restarted worker.
    this.bus.publish('ingest.bytes', { connId: connection.id, offset, parts }, parts);
  }

  /**
   * The bytes from stream offset `offset` on, `length` of them, as buffers the worker may own:
   * each chunk of this turn that lies whole among them, itself, and the bytes between them copied.
   */
  private partsToForward(connection: Connection, offset: number, length: number): ArrayBuffer[] {
    const end = offset + length;
    const parts: ArrayBuffer[] = [];
    let at = offset;
    for (const { offset: chunkOffset, chunk } of connection.handOvers) {
      if (chunkOffset < at || chunkOffset + chunk.length > end) continue;
      if (chunkOffset > at) parts.push(this.copyOut(connection, at, chunkOffset - at).buffer as ArrayBuffer);
      parts.push(chunk.buffer as ArrayBuffer);
      at = chunkOffset + chunk.length;
    }
    if (at < end) parts.push(this.copyOut(connection, at, end - at).buffer as ArrayBuffer);
    // A chunk forwarded is the worker's now; one cut by this forward goes on from its kept copy.
    connection.handOvers = connection.handOvers.filter((handOver) => handOver.offset >= end);
    return parts;
  }

  /** A copy of `length` kept bytes from stream offset `offset`, in an ArrayBuffer of its own. */
  private copyOut(connection: Connection, offset: number, length: number): Buffer {
    const copy = Buffer.from(new ArrayBuffer(length));
    let copied = 0;
    for (let index = this.chunkIndexAt(connection, offset); copied < length; index++) {
      const chunk = connection.unacked[index]!;
      const start = offset + copied - chunk.offset;
      copied += chunk.bytes.copy(copy, copied, start, start + length - copied);
    }
    return copy;
  }

  /** Index of the kept chunk holding stream offset `offset` (unforwarded bytes are at the end). */
  private chunkIndexAt(connection: Connection, offset: number): number {
    let index = connection.unacked.length - 1;
    while (index > 0 && connection.unacked[index]!.offset > offset) index--;
    return index;
  }

  private onReply(reply: { connId: number; text: string; consumedOffset: number; close: boolean }): void {
    const connection = this.connections.get(reply.connId);
    if (!connection) return;
    if (reply.consumedOffset > connection.consumedOffset) connection.consumedOffset = reply.consumedOffset;
    const answered = connection.lineEnds.findIndex((end) => end > connection.consumedOffset);
    connection.lineEnds.splice(0, answered === -1 ? connection.lineEnds.length : answered);
    while (connection.unacked.length > 0) {
      const first = connection.unacked[0]!;
      const end = first.offset + first.bytes.length;
      if (end <= reply.consumedOffset) {
        connection.unacked.shift();
        connection.unackedBytes -= first.bytes.length;
        if (first.block) this.blocks.giveBack(first.block);
      } else {
        if (first.offset < reply.consumedOffset) {
          const cut = reply.consumedOffset - first.offset;
          connection.unacked[0] = { offset: reply.consumedOffset, bytes: first.bytes.subarray(cut), block: first.block };
          connection.unackedBytes -= cut;
        }
        break;
      }
    }
    if (reply.text.length > 0 && !connection.socket.destroyed) this.writeReply(connection, reply.text);
    if (reply.close) this.endSocket(connection);
    this.pump(connection);
  }

  private endSocket(connection: Connection): void {
    if (connection.ending) return;
    connection.ending = true;
    connection.socket.end();
  }

  /**
   * Replies that arrive in one turn of the event loop leave in one write: with a client that
   * pipelines, a syscall (and, on loopback, the whole receive path) per reply was the main
   * thread's largest cost.
   */
  private writeReply(connection: Connection, text: string): void {
    const { socket } = connection;
    if (!connection.corked) {
      connection.corked = true;
      socket.cork();
      setImmediate(() => {
        connection.corked = false;
        socket.uncork();
      });
    }
    socket.write(text);
  }

  private repliesPiledUp(connection: Connection): boolean {
    return connection.socket.writableLength > this.options.maxQueuedReplyBytes;
  }

  /** Reads only while every byte read can go to the worker and the client reads its replies. */
  private updateReading(connection: Connection): void {
    const hold =
      turnReadFull(connection) ||
      connection.forwardedOffset < connection.nextOffset ||
      connection.unackedBytes > this.options.maxUnackedBytesPerConnection ||
      this.repliesPiledUp(connection);
    if (hold && !connection.socket.isPaused()) connection.socket.pause();
    else if (!hold && connection.socket.isPaused()) connection.socket.resume();
  }

  /**
   * After the script exited: what it sent before is already in this side's socket buffers (its
   * sends completed before its exit), so it is read by the second poll of the event loop from
   * now; then every byte read must be handed to the worker (flow control may hold lines until
   * earlier ones are answered). The ingest's `ingest.end` drains the rest. Polls, no fixed wait:
   * usually settled in a few ms (was a fixed 300 ms sleep).
   */
  private async settle(maxWaitMs: number): Promise<{ settled: boolean }> {
    const deadline = Date.now() + maxWaitMs;
    await nextTurn();
    await nextTurn();
    for (;;) {
      if ([...this.connections.values()].every((c) => this.handedOver(c))) return { settled: true };
      if (Date.now() >= deadline) return { settled: false };
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /** Every byte read from this connection is with the worker, its end of stream too if it came. */
  private handedOver(connection: Connection): boolean {
    return (
      !turnReadFull(connection) && connection.forwardedOffset === connection.nextOffset && connection.eofReceived === connection.eofHandled
    );
  }

  /**
   * A (re)started worker asks for every byte it has not consumed, per open connection: what was
   * forwarded and not consumed. Later bytes follow through `pump` as usual; chunks forwarded
   * meanwhile arrive after this answer on the same port, and the worker skips what it already has.
   */
  private unackedSnapshot(): IngestResync {
    const connections = [...this.connections.values()].map((connection) => {
      const offset = connection.unacked[0]?.offset ?? connection.forwardedOffset;
      const forwarded = Buffer.concat(connection.unacked.map((c) => c.bytes)).subarray(0, connection.forwardedOffset - offset);
      return { connId: connection.id, offset, bytes: toOwnArrayBuffer(forwarded), eof: connection.eofHandled };
    });
    return { connections };
  }
}

/** The connection read as much as a turn may: it waits for the next. */
function turnReadFull(connection: Connection): boolean {
  return connection.readThisTurn >= TURN_READ_BYTES;
}

/** The next bytes to forward: how many, and where in them the lines that get a reply end. */
type Forwardable = LineEnds & { length: number };

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function toOwnArrayBuffer(chunk: Buffer): ArrayBuffer {
  const copy = new ArrayBuffer(chunk.length);
  new Uint8Array(copy).set(chunk);
  return copy;
}

function logEntry(level: 'error' | 'warn' | 'info', message: string) {
  return { level, source: 'ingest', message, ts: Date.now() };
}
