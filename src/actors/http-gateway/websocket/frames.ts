/**
 * The part of RFC 6455 a command-and-reply WebSocket server needs: the handshake key, server
 * frames (never masked), and a decoder for client frames (always masked) with fragmented text
 * messages reassembled. Pure: no sockets. Limits keep a hostile client from growing memory.
 */
import { createHash } from 'node:crypto';

const HANDSHAKE_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** Close codes used here (RFC 6455 §7.4.1). */
export const CLOSE = { normal: 1000, goingAway: 1001, protocolError: 1002, unsupportedData: 1003, invalidPayload: 1007, tooBig: 1009 } as const;

/** `Sec-WebSocket-Accept` for a client's `Sec-WebSocket-Key`. */
export function acceptKey(key: string): string {
  return createHash('sha1').update(key + HANDSHAKE_GUID).digest('base64');
}

/** A valid `Sec-WebSocket-Key`: base64 of 16 bytes. */
export function isValidKey(key: string | undefined): key is string {
  return key !== undefined && /^[A-Za-z0-9+/]{22}==$/.test(key.trim());
}

/** One unfragmented, unmasked server frame. */
export function encodeFrame(opcode: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const length = payload.length;
  let header: Buffer;
  if (length < 126) {
    header = Buffer.from([0x80 | opcode, length]);
  } else if (length < 0x10000) {
    header = Buffer.alloc(4);
    header[0] = 0x80 | opcode;
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  return Buffer.concat([header, payload]);
}

export function encodeText(text: string): Buffer {
  return encodeFrame(OPCODE.text, Buffer.from(text, 'utf8'));
}

export function encodeClose(code: number, reason = ''): Buffer {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2, 'utf8');
  return encodeFrame(OPCODE.close, payload);
}

export type WsEvent =
  | { type: 'text'; text: string }
  | { type: 'ping'; payload: Buffer }
  | { type: 'pong' }
  | { type: 'close'; code: number | null; reason: string }
  /** The connection must be closed with `code`. Nothing more is decoded after this. */
  | { type: 'fail'; code: number; reason: string };

const fatalDecoder = new TextDecoder('utf-8', { fatal: true });

/** Decodes client frames from a byte stream. */
export class FrameDecoder {
  // Received bytes not yet decoded, as chunks: joined only once a whole frame is there, so a
  // client trickling a large frame byte by byte costs linear, not quadratic, time.
  private chunks: Buffer[] = [];
  private total = 0;
  private fragments: Buffer[] = [];
  private fragmentBytes = 0;
  private fragmentOpcode: number | null = null;
  private failed = false;

  constructor(private readonly maxMessageBytes: number) {}

  /** Feeds bytes; returns the complete events they finish. */
  push(chunk: Buffer): WsEvent[] {
    if (this.failed) return [];
    this.chunks.push(chunk);
    this.total += chunk.length;
    const events: WsEvent[] = [];
    for (;;) {
      const frame = this.nextFrame();
      if (frame === null) break;
      const event = 'fail' in frame ? frame.fail : this.onFrame(frame);
      if (event) events.push(event);
      if (event?.type === 'fail') {
        this.failed = true;
        break;
      }
    }
    return events;
  }

  /** The first `n` received bytes in one buffer (with everything after them), or null if fewer arrived. */
  private peek(n: number): Buffer | null {
    if (this.total < n) return null;
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!;
  }

  private nextFrame(): { fin: boolean; opcode: number; payload: Buffer } | { fail: WsEvent } | null {
    let b = this.peek(2);
    if (b === null) return null;
    const fin = (b[0]! & 0x80) !== 0;
    if ((b[0]! & 0x70) !== 0) return { fail: fail(CLOSE.protocolError, 'reserved bits set') };
    const opcode = b[0]! & 0x0f;
    const masked = (b[1]! & 0x80) !== 0;
    if (!masked) return { fail: fail(CLOSE.protocolError, 'client frames must be masked') };
    let length = b[1]! & 0x7f;
    let offset = 2;
    if (length === 126) {
      b = this.peek(4);
      if (b === null) return null;
      length = b.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      b = this.peek(10);
      if (b === null) return null;
      const big = b.readBigUInt64BE(2);
      if (big > BigInt(this.maxMessageBytes)) return { fail: fail(CLOSE.tooBig, `frame larger than ${this.maxMessageBytes} bytes`) };
      length = Number(big);
      offset = 10;
    }
    if (length > this.maxMessageBytes) return { fail: fail(CLOSE.tooBig, `frame larger than ${this.maxMessageBytes} bytes`) };
    const frameLength = offset + 4 + length;
    b = this.peek(frameLength);
    if (b === null) return null;
    const mask = b.subarray(offset, offset + 4);
    const payload = Buffer.from(b.subarray(offset + 4, frameLength));
    for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i & 3]!;
    const rest = b.subarray(frameLength);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.total -= frameLength;
    return { fin, opcode, payload };
  }

  private onFrame({ fin, opcode, payload }: { fin: boolean; opcode: number; payload: Buffer }): WsEvent | null {
    if (opcode >= 0x8) {
      if (!fin || payload.length > 125) return fail(CLOSE.protocolError, 'control frames must be whole and at most 125 bytes');
      if (opcode === OPCODE.ping) return { type: 'ping', payload };
      if (opcode === OPCODE.pong) return { type: 'pong' };
      if (opcode === OPCODE.close) {
        if (payload.length === 1) return fail(CLOSE.protocolError, 'close frame with a 1-byte body');
        const reason = payload.length >= 2 ? decodeUtf8(payload.subarray(2)) : '';
        if (reason === null) return fail(CLOSE.invalidPayload, 'close reason is not UTF-8');
        return { type: 'close', code: payload.length >= 2 ? payload.readUInt16BE(0) : null, reason };
      }
      return fail(CLOSE.protocolError, `unknown control opcode ${opcode}`);
    }
    if (opcode === OPCODE.continuation) {
      if (this.fragmentOpcode === null) return fail(CLOSE.protocolError, 'continuation without a first fragment');
    } else {
      if (this.fragmentOpcode !== null) return fail(CLOSE.protocolError, 'new message inside a fragmented one');
      if (opcode !== OPCODE.text && opcode !== OPCODE.binary) return fail(CLOSE.protocolError, `unknown opcode ${opcode}`);
      this.fragmentOpcode = opcode;
    }
    this.fragments.push(payload);
    this.fragmentBytes += payload.length;
    if (this.fragmentBytes > this.maxMessageBytes) return fail(CLOSE.tooBig, `message larger than ${this.maxMessageBytes} bytes`);
    if (!fin) return null;
    const messageOpcode = this.fragmentOpcode;
    const message = Buffer.concat(this.fragments);
    this.fragments = [];
    this.fragmentBytes = 0;
    this.fragmentOpcode = null;
    if (messageOpcode === OPCODE.binary) return fail(CLOSE.unsupportedData, 'binary messages are not understood; send the command words as text');
    const text = decodeUtf8(message);
    if (text === null) return fail(CLOSE.invalidPayload, 'text message is not UTF-8');
    return { type: 'text', text };
  }
}

function fail(code: number, reason: string): WsEvent {
  return { type: 'fail', code, reason };
}

function decodeUtf8(bytes: Buffer): string | null {
  try {
    return fatalDecoder.decode(bytes);
  } catch {
    return null;
  }
}
