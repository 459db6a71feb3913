/**
 * `GET /ws` (the newest original's WebSocket): each text message is a command word
 * (GET_DATASTREAM, STATE, PAUSE_STATE, RESUME_STATE, KILL), each answered by one text message,
 * in order. Built on Node's own `upgrade` event and ./frames.ts, so no WebSocket package is needed.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AccessDecision } from '../access.js';
import { acceptKey, CLOSE, encodeClose, encodeFrame, encodeText, FrameDecoder, isValidKey, OPCODE } from './frames.js';

export interface WebSocketOptions {
  /** Who may connect (same rules as the HTTP endpoints). */
  access(request: IncomingMessage): AccessDecision;
  /** The reply to one text message. Never rejects. */
  answer(text: string): Promise<string>;
  /** Extra response headers for the handshake (CORS). */
  headers?(request: IncomingMessage): Record<string, string>;
  /** Whether another long-lived connection may open now; `release` is called when it ends. */
  admit(): boolean;
  release(): void;
  log(level: 'info' | 'warn' | 'debug', message: string): void;
  /** Largest message accepted (default 64 KiB: commands are short). */
  maxMessageBytes?: number;
}

export class WebSocketEndpoint {
  private readonly sessions = new Set<WsSession>();

  constructor(private readonly options: WebSocketOptions) {}

  /** The server's `upgrade` listener. */
  readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    const path = (request.url ?? '/').split('?')[0]!;
    if (path !== '/ws') return refuse(socket, 404, `no WebSocket endpoint at ${path.slice(0, 200)}; use /ws`);
    const decision = this.options.access(request);
    if (!decision.ok) {
      return refuse(socket, decision.status, decision.message, decision.challenge ? { 'WWW-Authenticate': 'Bearer realm="rex"' } : {});
    }
    if (request.method !== 'GET' || request.headers.upgrade?.toLowerCase() !== 'websocket') {
      return refuse(socket, 400, 'expected a WebSocket upgrade (GET with "Upgrade: websocket")');
    }
    if (request.headers['sec-websocket-version'] !== '13') {
      return refuse(socket, 426, 'unsupported WebSocket version; this server speaks version 13', { 'Sec-WebSocket-Version': '13' });
    }
    const key = request.headers['sec-websocket-key'];
    if (!isValidKey(key)) return refuse(socket, 400, 'missing or malformed Sec-WebSocket-Key');
    if (!this.options.admit()) return refuse(socket, 503, 'too many live connections; try again later');

    const extra = this.options.headers?.(request) ?? {};
    socket.write(
      [
        'HTTP/1.1 101 Switching Protocols',
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Accept: ${acceptKey(key.trim())}`,
        ...Object.entries(extra).map(([name, value]) => `${name}: ${value}`),
        '',
        '',
      ].join('\r\n'),
    );
    const session = new WsSession(socket, this.options, () => {
      this.sessions.delete(session);
      this.options.release();
    });
    this.sessions.add(session);
    this.options.log('debug', 'WebSocket client connected');
    if (head.length > 0) session.receive(head);
  };

  /** Closes every connection ("going away"), e.g. when the server stops. */
  closeAll(): void {
    for (const session of this.sessions) session.close(CLOSE.goingAway, 'server stopping');
  }
}

class WsSession {
  private readonly decoder: FrameDecoder;
  private queue: Promise<void> = Promise.resolve();
  private closing = false;
  private ended = false;

  constructor(
    private readonly socket: Duplex,
    private readonly options: WebSocketOptions,
    private readonly onEnd: () => void,
  ) {
    this.decoder = new FrameDecoder(options.maxMessageBytes ?? 64 * 1024);
    if ('setNoDelay' in socket && typeof socket.setNoDelay === 'function') socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('close', () => this.end());
    socket.on('end', () => socket.end());
  }

  receive(chunk: Buffer): void {
    for (const event of this.decoder.push(chunk)) {
      switch (event.type) {
        case 'text': {
          // One reply per message, in the order asked, as the original's client expects.
          const text = event.text;
          this.queue = this.queue
            .then(async () => this.send(encodeText(await this.options.answer(text))))
            .catch(() => void this.socket.destroy());
          break;
        }
        case 'ping':
          this.send(encodeFrame(OPCODE.pong, event.payload));
          break;
        case 'pong':
          break;
        case 'close':
          this.close(event.code === null ? CLOSE.normal : validCloseCode(event.code) ? event.code : CLOSE.protocolError);
          this.options.log('debug', 'WebSocket client disconnected');
          break;
        case 'fail':
          this.options.log('warn', `WebSocket client closed: ${event.reason}`);
          this.close(event.code, event.reason);
          break;
      }
    }
  }

  close(code: number, reason = ''): void {
    if (this.closing || this.ended) return;
    this.closing = true;
    if (this.socket.destroyed) return;
    this.socket.write(encodeClose(code, reason.slice(0, 100)));
    this.socket.end();
    // A client that never answers the close handshake is not waited for.
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  private send(frame: Buffer): void {
    if (this.closing || this.ended || this.socket.destroyed) return;
    this.socket.write(frame);
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd();
  }
}

/** Codes a peer may send (RFC 6455 §7.4). */
function validCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

function refuse(socket: Duplex, status: number, message: string, headers: Record<string, string> = {}): void {
  const reason = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 426: 'Upgrade Required', 503: 'Service Unavailable' }[status] ?? 'Error';
  const body = `${message}\n`;
  socket.end(
    [
      `HTTP/1.1 ${status} ${reason}`,
      'Content-Type: text/plain; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Connection: close',
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
      '',
      body,
    ].join('\r\n'),
  );
}
