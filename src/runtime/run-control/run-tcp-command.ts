/**
 * Asks the run one of its TCP command words, exactly as the original's server did: connect,
 * write the word and a newline, read one line, close. Unlike the original, it always settles:
 * a run that does not answer in time is an error, never a hung request.
 */
import net from 'node:net';
import { COMMANDS, type Command } from '../../protocol/messages.js';
import { type TraceRange, traceRangeLine } from '../../protocol/trace-range.js';

/** The run's command words: the protocol's list (SPEC §4). */
export type RunCommand = Command;
/** What the gateway asks the run: a command word, or rex-daq's ranged GET_DATASTREAM_FULL. */
export type RunRequest = RunCommand | { range: TraceRange };

/** The line that asks `request`, without its newline. */
export const requestLine = (request: RunRequest): string => (typeof request === 'string' ? request : traceRangeLine(request.range));

export function isRunCommand(word: string): word is RunCommand {
  return (COMMANDS as readonly string[]).includes(word);
}

export type RunLinkFailure = 'connect' | 'timeout' | 'closed' | 'too-large' | 'aborted';

export class RunLinkError extends Error {
  override readonly name = 'RunLinkError';
  constructor(
    readonly failure: RunLinkFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface AskOptions {
  host?: string;
  /** For the whole exchange (default 5 s). */
  timeoutMs?: number;
  /** A longer reply is refused (default 64 MiB). */
  maxReplyBytes?: number;
  /** The asker went away (a WebSocket client that left): no connection is made, or it is dropped. */
  signal?: AbortSignal;
}

/** The run's one-line reply to `request`, without its newline and trimmed (as the original). */
export function askRun(port: number, request: RunRequest, options: AskOptions = {}): Promise<string> {
  const host = options.host ?? '127.0.0.1';
  const timeoutMs = options.timeoutMs ?? 5000;
  const maxReplyBytes = options.maxReplyBytes ?? 64 * 1024 * 1024;
  const address = `${host}:${port}`;
  return new Promise<string>((resolve, reject) => {
    if (options.signal?.aborted) return reject(new RunLinkError('aborted', 'the request was abandoned'));
    const chunks: Buffer[] = [];
    let size = 0;
    let connected = false;
    let settled = false;
    const socket = net.connect({ host, port });
    const finish = (error: RunLinkError | null, reply?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (error) reject(error);
      else resolve(reply!);
    };
    const timer = setTimeout(() => finish(new RunLinkError('timeout', `no reply from ${address} within ${timeoutMs / 1000} s`)), timeoutMs);
    const onAbort = (): void => finish(new RunLinkError('aborted', 'the request was abandoned'));
    options.signal?.addEventListener('abort', onAbort);
    socket.on('connect', () => {
      connected = true;
      socket.write(`${requestLine(request)}\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      const newline = chunk.indexOf(0x0a);
      if (newline >= 0) {
        chunks.push(chunk.subarray(0, newline));
        return finish(null, Buffer.concat(chunks).toString('utf8').trim());
      }
      chunks.push(chunk);
      size += chunk.length;
      if (size > maxReplyBytes) finish(new RunLinkError('too-large', `the reply from ${address} is larger than ${maxReplyBytes} bytes`));
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code ?? error.message;
      finish(
        connected
          ? new RunLinkError('closed', `lost the connection to ${address}: ${reason}`)
          : new RunLinkError('connect', `Failed to connect to ${address}: ${reason}`),
      );
    });
    socket.on('close', () => {
      // Closed before a whole line: a reply without its newline still counts (the original read to EOF too).
      if (size > 0) finish(null, Buffer.concat(chunks).toString('utf8').trim());
      else finish(new RunLinkError('closed', `${address} closed the connection without a reply`));
    });
  });
}
