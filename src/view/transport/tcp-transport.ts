/**
 * The run's own TCP port, as the original viewer used it: one long-lived connection, polled with
 * `GET_DATASTREAM`, `STATE` and a Listener message (its `Running` / `Paused` reply is the pause
 * flag), written in one go and answered in order. `KILL` goes on a connection of its own because
 * the server closes the connection after answering it.
 */
import net from 'node:net';
import { type TcpAddress, formatTcpAddress } from './address.js';
import { type ControlCommand, type PollOptions, type PollReplies, type Transport, TransportError } from './transport.js';

export interface TcpTransportOptions {
  /** How long a reply may take before the connection is considered lost. */
  timeoutMs?: number;
}

/** Replies are short; anything this long without a newline is not a rex server. */
const MAX_REPLY_CHARS = 64 * 1024 * 1024;

export class TcpTransport implements Transport {
  readonly description: string;
  private readonly timeoutMs: number;
  private readonly listenerLine = JSON.stringify({ name: 'rex view', id: `rex-view-${process.pid}` });
  private link: LineLink | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly address: TcpAddress,
    options: TcpTransportOptions = {},
  ) {
    this.description = `tcp ${formatTcpAddress(address)}`;
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  async poll(options: PollOptions = {}): Promise<PollReplies> {
    const query = options.full ? 'GET_DATASTREAM_FULL' : 'GET_DATASTREAM';
    const [datastream, state, listener] = await this.exchange([query, 'STATE', this.listenerLine]);
    const paused = listener === 'Paused' ? true : listener === 'Running' ? false : undefined;
    // The original rex answers a command it does not know `Invalid format`.
    return { datastream: options.full && !datastream!.startsWith('{') ? undefined : datastream!, state: state!, paused };
  }

  async command(command: ControlCommand): Promise<string> {
    if (command !== 'KILL') return (await this.exchange([command]))[0]!;
    const link = await LineLink.open(this.address, this.timeoutMs);
    try {
      return (await link.exchange([command], this.timeoutMs))[0]!;
    } finally {
      link.close();
    }
  }

  close(): void {
    this.link?.close();
    this.link = undefined;
  }

  /** One exchange at a time, so replies pair with their requests. */
  private exchange(lines: string[]): Promise<string[]> {
    const run = this.queue.then(async () => {
      if (!this.link || this.link.closed) this.link = await LineLink.open(this.address, this.timeoutMs);
      try {
        return await this.link.exchange(lines, this.timeoutMs);
      } catch (error) {
        this.link.close();
        this.link = undefined;
        throw error;
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** A socket that reads reply lines. */
class LineLink {
  private buffer = '';
  private readonly waiting: Array<{ resolve: (line: string) => void; reject: (error: Error) => void }> = [];
  closed = false;

  private constructor(
    private readonly socket: net.Socket,
    private readonly where: string,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => this.fail(failure(error, where)));
    socket.on('close', () => this.fail(new TransportError('lost', `the connection to ${where} was closed`)));
  }

  static open(address: TcpAddress, timeoutMs: number): Promise<LineLink> {
    const where = formatTcpAddress(address);
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: address.host, port: address.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new TransportError('lost', `no answer from ${where} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      socket.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(failure(error, where));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.setNoDelay(true);
        resolve(new LineLink(socket, where));
      });
    });
  }

  exchange(lines: string[], timeoutMs: number): Promise<string[]> {
    if (this.closed) return Promise.reject(new TransportError('lost', `the connection to ${this.where} is closed`));
    const replies = lines.map(() => new Promise<string>((resolve, reject) => this.waiting.push({ resolve, reject })));
    this.socket.write(lines.map((l) => `${l}\n`).join(''));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TransportError('lost', `no reply from ${this.where} within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    return Promise.race([Promise.all(replies), timeout]).finally(() => clearTimeout(timer));
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    for (let newline = this.buffer.indexOf('\n'); newline >= 0; newline = this.buffer.indexOf('\n')) {
      const line = this.buffer.slice(0, newline).replace(/\r$/, '');
      this.buffer = this.buffer.slice(newline + 1);
      this.waiting.shift()?.resolve(line);
    }
    if (this.buffer.length > MAX_REPLY_CHARS)
      this.fail(new TransportError('lost', `${this.where} sent an over-long reply; is it a rex run?`));
  }

  private fail(error: TransportError): void {
    this.closed = true;
    this.socket.destroy();
    for (const waiter of this.waiting.splice(0)) waiter.reject(error);
  }
}

function failure(error: NodeJS.ErrnoException, where: string): TransportError {
  switch (error.code) {
    case 'ECONNREFUSED':
      return new TransportError('no-listener', `nothing is listening on ${where}: no run there (yet); retrying`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new TransportError('lost', `cannot resolve the host of ${where}`);
    default:
      return new TransportError('lost', `connection to ${where} failed: ${error.message}`);
  }
}
