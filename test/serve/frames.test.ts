/**
 * The hand-written WebSocket framing (src/actors/http-gateway/websocket/frames.ts) against the
 * RFC 6455 examples and the ways a client can get it wrong.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { acceptKey, CLOSE, encodeClose, encodeFrame, encodeText, FrameDecoder, isValidKey, OPCODE } from '../../src/actors/http-gateway/websocket/frames.js';

/** A client frame: masked, as RFC 6455 requires of clients. */
function clientFrame(opcode: number, payload: Buffer, { fin = true, mask = true } = {}): Buffer {
  const key = randomBytes(4);
  const length = payload.length;
  const head = length < 126 ? Buffer.from([0, length]) : length < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (length >= 126 && length < 65536) {
    head[1] = 126;
    head.writeUInt16BE(length, 2);
  } else if (length >= 65536) {
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(length), 2);
  }
  head[0] = (fin ? 0x80 : 0) | opcode;
  if (!mask) return Buffer.concat([head, payload]);
  head[1]! |= 0x80;
  const masked = Buffer.from(payload);
  for (let i = 0; i < masked.length; i++) masked[i]! ^= key[i & 3]!;
  return Buffer.concat([head, key, masked]);
}

describe('WebSocket handshake and server frames', () => {
  it('computes Sec-WebSocket-Accept as in RFC 6455 §1.3', () => {
    expect(acceptKey('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect(isValidKey('dGhlIHNhbXBsZSBub25jZQ==')).toBe(true);
    expect(isValidKey('short')).toBe(false);
    expect(isValidKey(undefined)).toBe(false);
  });

  it('writes unmasked frames with 7-, 16- and 64-bit lengths', () => {
    expect([...encodeText('Hello')]).toEqual([0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]); // RFC 6455 §5.7
    const medium = encodeFrame(OPCODE.text, Buffer.alloc(300, 0x61));
    expect(medium[1]).toBe(126);
    expect(medium.readUInt16BE(2)).toBe(300);
    expect(medium.length).toBe(304);
    const large = encodeFrame(OPCODE.text, Buffer.alloc(70_000, 0x61));
    expect(large[1]).toBe(127);
    expect(Number(large.readBigUInt64BE(2))).toBe(70_000);
    const close = encodeClose(1001, 'bye');
    expect(close[0]).toBe(0x88);
    expect(close.readUInt16BE(2)).toBe(1001);
    expect(close.subarray(4).toString()).toBe('bye');
  });
});

describe('FrameDecoder', () => {
  it('decodes masked text, split anywhere across chunks, with 16- and 64-bit lengths', () => {
    const words = ['STATE', 'x'.repeat(300), 'y'.repeat(70_000), 'GET_DATASTREAM'];
    const stream = Buffer.concat(words.map((w) => clientFrame(OPCODE.text, Buffer.from(w))));
    const decoder = new FrameDecoder(1 << 20);
    const events = [];
    for (let i = 0; i < stream.length; i += 7) events.push(...decoder.push(stream.subarray(i, i + 7)));
    expect(events).toEqual(words.map((text) => ({ type: 'text', text })));
  });

  it('reassembles a fragmented message around a ping', () => {
    const decoder = new FrameDecoder(1024);
    const events = decoder.push(
      Buffer.concat([
        clientFrame(OPCODE.text, Buffer.from('PAUSE_'), { fin: false }),
        clientFrame(OPCODE.ping, Buffer.from('p1')),
        clientFrame(OPCODE.continuation, Buffer.from('STATE')),
      ]),
    );
    expect(events).toEqual([{ type: 'ping', payload: Buffer.from('p1') }, { type: 'text', text: 'PAUSE_STATE' }]);
  });

  it('reports a close with its code and reason', () => {
    const payload = Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from('done')]);
    expect(new FrameDecoder(1024).push(clientFrame(OPCODE.close, payload))).toEqual([{ type: 'close', code: 1000, reason: 'done' }]);
    expect(new FrameDecoder(1024).push(clientFrame(OPCODE.close, Buffer.alloc(0)))).toEqual([{ type: 'close', code: null, reason: '' }]);
  });

  it.each([
    ['an unmasked frame', clientFrame(OPCODE.text, Buffer.from('STATE'), { mask: false }), CLOSE.protocolError],
    ['a message over the limit', clientFrame(OPCODE.text, Buffer.alloc(2000, 0x61)), CLOSE.tooBig],
    ['a 64-bit length over the limit (before any payload arrives)', Buffer.from([0x81, 0xff, 0, 0, 0, 1, 0, 0, 0, 0]), CLOSE.tooBig],
    ['a binary message', clientFrame(OPCODE.binary, Buffer.from([1, 2, 3])), CLOSE.unsupportedData],
    ['text that is not UTF-8', clientFrame(OPCODE.text, Buffer.from([0xc3, 0x28])), CLOSE.invalidPayload],
    ['a continuation with nothing to continue', clientFrame(OPCODE.continuation, Buffer.from('x')), CLOSE.protocolError],
    ['a fragmented ping', clientFrame(OPCODE.ping, Buffer.from('x'), { fin: false }), CLOSE.protocolError],
    ['reserved bits', Buffer.from([0xc1, 0x80, 0, 0, 0, 0]), CLOSE.protocolError],
    ['an unknown opcode', clientFrame(0x3, Buffer.from('x')), CLOSE.protocolError],
  ])('fails the connection on %s, and decodes nothing after it', (_name, bytes, code) => {
    const decoder = new FrameDecoder(1024);
    const events = decoder.push(bytes);
    expect(events.at(-1)).toMatchObject({ type: 'fail', code });
    expect(decoder.push(clientFrame(OPCODE.text, Buffer.from('STATE')))).toEqual([]);
  });
});
