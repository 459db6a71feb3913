// Reply strings of SPEC §2 (exact bytes, without the trailing newline).
import { describe, expect, it } from 'vitest';
import * as replies from '../../src/protocol/replies.js';
import { MAX_REASON_CHARS } from '../../src/protocol/limits.js';

describe('replies', () => {
  it('are the original’s exact strings', () => {
    expect(replies.REPLY_DEVICE_RECORDED).toBe('Device measurements recorded');
    expect(replies.REPLY_SESSION_PROCESSED).toBe('Session configuration processed');
    expect(replies.REPLY_LISTENER_RUNNING).toBe('Running');
    expect(replies.REPLY_LISTENER_PAUSED).toBe('Paused');
    expect(replies.REPLY_RESULTS_PROCESSED).toBe('Session results processed');
    expect(replies.REPLY_PAUSE).toBe('Setting internal server state to paused...');
    expect(replies.REPLY_RESUME).toBe('Setting internal server state to start...');
    expect(replies.REPLY_KILL).toBe('Shutting down server...');
    expect(replies.REPLY_INVALID).toBe('Invalid format');
  });

  it('none ends with a newline (the server appends it)', () => {
    for (const value of Object.values(replies)) {
      if (typeof value === 'string') expect(value).not.toMatch(/\n$/);
    }
  });

  it('invalidReplyWithReason prefixes the reason', () => {
    expect(replies.invalidReplyWithReason('unit changed from V to mV')).toBe('Invalid format: unit changed from V to mV');
  });

  it('keeps the reply on one line and short enough for one recv(1024)', () => {
    const reply = replies.invalidReplyWithReason(`bad\nkey\r\u2028${'é'.repeat(5000)}`);
    expect(reply).not.toMatch(/[\n\r\u2028]/);
    expect(reply.length).toBeLessThanOrEqual('Invalid format: '.length + MAX_REASON_CHARS);
    expect(Buffer.byteLength(`${reply}\n`)).toBeLessThan(1024);
    expect(reply.endsWith('…')).toBe(true);
  });

  it('does not split a surrogate pair when shortening', () => {
    const reply = replies.invalidReplyWithReason('x'.repeat(MAX_REASON_CHARS - 2) + '😀'.repeat(10));
    // A lone surrogate would not survive a UTF-8 round trip.
    expect(Buffer.from(reply, 'utf8').toString('utf8')).toBe(reply);
  });
});
