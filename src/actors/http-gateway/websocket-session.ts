/**
 * One `/ws` connection (the newest original's WebSocket), on `ws` through @fastify/websocket: each
 * text message is a command word, answered by one text message, in the order asked. `ws` does the
 * framing, UTF-8 checks, the 64 KiB message limit (close 1009) and the answers to pings; here:
 * - binary messages are refused (close 1003);
 * - a flood is slowed, not queued: past MAX_PENDING_COMMANDS unanswered words, the socket is not
 *   read until answers catch up, so TCP pushes back on the client;
 * - a client that does not read its replies is dropped once MAX_BUFFERED_REPLY_BYTES wait for it;
 * - a client that does not answer a close is not waited for beyond CLOSE_GRACE_MS.
 */
import type { WebSocket } from 'ws';
import type { LogLevel } from '../../bus/payloads.js';

/** Commands are short: the original's words are under 20 bytes. */
export const MAX_MESSAGE_BYTES = 64 * 1024;
export const MAX_PENDING_COMMANDS = 64;
/** A few datastream replies. */
export const MAX_BUFFERED_REPLY_BYTES = 4 * 1024 * 1024;
const CLOSE_GRACE_MS = 1000;

export interface SessionOptions {
  /** The reply to one text message. Never rejects. */
  answer(text: string): Promise<string>;
  log(level: LogLevel, message: string): void;
}

export function serveWebSocketSession(socket: WebSocket, options: SessionOptions): void {
  let queue: Promise<void> = Promise.resolve();
  let pending = 0;
  let paused = false;

  const reply = (text: string): void => {
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_REPLY_BYTES) {
      options.log('warn', `WebSocket client dropped: it does not read its replies (${socket.bufferedAmount} bytes waiting)`);
      socket.terminate();
      return;
    }
    socket.send(text);
  };

  socket.on('message', (data, isBinary) => {
    if (isBinary) return closeWebSocket(socket, 1003, 'binary messages are not accepted; send command words as text');
    const text = (Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data)).toString('utf8');
    pending++;
    if (pending >= MAX_PENDING_COMMANDS && !paused) {
      paused = true;
      socket.pause();
    }
    // One reply per message, in the order asked, as the original's client expects.
    queue = queue
      .then(async () => reply(await options.answer(text)))
      .catch(() => void socket.terminate())
      .finally(() => {
        pending--;
        if (paused && pending < MAX_PENDING_COMMANDS / 2) {
          paused = false;
          socket.resume();
        }
      });
  });
}

/** Closes with `code`, and drops the connection if the client does not complete the close soon. */
export function closeWebSocket(socket: WebSocket, code: number, reason: string): void {
  if (socket.readyState === socket.CLOSED) return;
  socket.close(code, reason.slice(0, 100));
  setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref();
}
