import { describe, expect, it } from 'vitest';
import { ByteTail } from '../../src/actors/controller/stderr-tail.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('ByteTail (the end of a script stderr, bounded)', () => {
  it('keeps everything while it fits', () => {
    const tail = new ByteTail(64);
    tail.write(bytes('Traceback\n'));
    tail.write(bytes('RuntimeError: boom\n'));
    expect(tail.text()).toBe('Traceback\nRuntimeError: boom\n');
    expect(new ByteTail(64).text()).toBe('');
  });

  it('past the capacity: the last lines only, from a line start, across many small writes', () => {
    const tail = new ByteTail(32);
    for (let i = 0; i < 1000; i++) tail.write(bytes(`line ${i}\n`));
    expect(tail.text()).toBe('line 997\nline 998\nline 999\n');
  });

  it('a chunk larger than the capacity keeps its end', () => {
    const tail = new ByteTail(16);
    tail.write(bytes(`${'a'.repeat(100)}\nlast\n`));
    expect(tail.text()).toBe('last\n');
  });

  it('one line longer than the capacity: cut at a whole character, valid UTF-8', () => {
    const tail = new ByteTail(10);
    tail.write(bytes('µ'.repeat(20)));
    const text = tail.text();
    expect(text).toBe('µ'.repeat(5));
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(10);
  });

  it('invalid UTF-8 becomes U+FFFD and the text still fits the capacity in bytes', () => {
    const tail = new ByteTail(8);
    tail.write(Buffer.from([0xff, 0xfe, 0xfd, 0x0a, 0xff, 0xff, 0xff, 0xff]));
    const text = tail.text();
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(8);
    expect(text).toMatch(/^\uFFFD+$/);
  });
});
