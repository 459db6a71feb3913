/**
 * One `/ws` connection (the newest original's WebSocket), on `ws` through @fastify/websocket: each
 * text message is a command word, answered by one text message, in the order asked. `ws` does the
 * framing, UTF-8 checks, the 64 KiB message limit (close 1009) and the answers to pings; here:
 * - binary messages are refused (close 1003);
 * - a flood is slowed: past PAUSE_AT_COMMANDS unanswered words, the socket is not read until
 *   answers catch up, so TCP pushes back on the client. What was already read is still parsed, so
 *   past MAX_QUEUED_COMMANDS waiting words the client is closed (1008) instead of queued;
 * - a client that does not read its replies is closed (1008) once MAX_BUFFERED_REPLY_BYTES wait for it;
 * - a client that goes (or is closed) takes its waiting words with it: the run is not asked them,
 *   and the exchange under way is dropped;
 * - a client that does not answer a close is not waited for beyond CLOSE_GRACE_MS.
 */
import type { WebSocket } from 'ws';
import type { LogLevel } from '../../bus/payloads.js';

/** Commands are short: the original's words are under 20 bytes. */
export const MAX_MESSAGE_BYTES = 64 * 1024;
export const PAUSE_AT_COMMANDS = 64;
/** Above what one read of the socket (64 KiB) holds of the original's words, so a client that pipelines is served. */
export const MAX_QUEUED_COMMANDS = 8192;
/** A few datastream replies. */
export const MAX_BUFFERED_REPLY_BYTES = 4 * 1024 * 1024;
const CLOSE_GRACE_MS = 1000;

export interface SessionOptions {
  /** The reply to one text message; `signal` fires when the client is gone. Never rejects. */
  answer(text: string, signal: AbortSignal): Promise<string>;
  log(level: LogLevel, message: string): void;
}

export function serveWebSocketSession(socket: WebSocket, options: SessionOptions): void {
  const gone = new AbortController();
  const waiting: string[] = [];
  let working = false;
  let paused = false;
  socket.once('close', () => gone.abort());

  const giveUp = (code: number, reason: string, why: string): void => {
    if (gone.signal.aborted) return;
    options.log('warn', `WebSocket client closed (${code}): ${why}`);
    gone.abort();
    waiting.length = 0;
    closeWebSocket(socket, code, reason);
  };

  const reply = (text: string): void => {
    if (gone.signal.aborted || socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_REPLY_BYTES) {
      giveUp(1008, 'replies not read', `it does not read its replies (${socket.bufferedAmount} bytes waiting)`);
    } else socket.send(text);
  };

  // One reply per message, in the order asked, as the original's client expects.
  const work = async (): Promise<void> => {
    working = true;
    while (waiting.length > 0 && !gone.signal.aborted) {
      const text = waiting.shift()!;
      try {
        reply(await options.answer(text, gone.signal));
      } catch {
        socket.terminate();
        break;
      }
      if (paused && waiting.length < PAUSE_AT_COMMANDS / 2) {
        paused = false;
        socket.resume();
      }
    }
    working = false;
  };

  socket.on('message', (data, isBinary) => {
    // Closing: what the client sent meanwhile is not answered (ws still parses it, on close too).
    if (gone.signal.aborted || socket.readyState !== socket.OPEN) return;
    if (isBinary) return giveUp(1003, 'binary messages are not accepted; send command words as text', 'binary message');
    if (waiting.length >= MAX_QUEUED_COMMANDS) {
      return giveUp(
        1008,
        'too many commands waiting; wait for the replies',
        `more than ${MAX_QUEUED_COMMANDS} commands waiting for their replies`,
      );
    }
    waiting.push((Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data)).toString('utf8'));
    if (waiting.length >= PAUSE_AT_COMMANDS && !paused) {
      paused = true;
      socket.pause();
    }
    if (!working) void work();
  });
}

/** Closes with `code`, and drops the connection if the client does not complete the close soon. */
export function closeWebSocket(socket: WebSocket, code: number, reason: string): void {
  if (socket.readyState === socket.CLOSED) return;
  socket.close(code, reason.slice(0, 100));
  setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref();
}
