import { describe, expect, it } from 'vitest';
import { LineSplitter, joinParts, trimAscii } from '../../src/protocol/line-splitter.js';

const lines = (items: ReturnType<LineSplitter['push']>) =>
  items.map((i) => (i.kind === 'line' ? `${joinParts(i.parts, i.length).toString()}@${i.endOffset}` : `overflow@${i.endOffset}`));

describe('LineSplitter', () => {
  it('splits, trims and skips empty lines, with stream end offsets', () => {
    const s = new LineSplitter(1000);
    expect(lines(s.push(Buffer.from('  a \r\n\n\t\nbb\n')))).toEqual(['a@6', 'bb@12']);
    expect(s.consumedOffset).toBe(12);
  });

  it('joins a line split across chunks and keeps the partial tail pending', () => {
    const s = new LineSplitter(1000, 100);
    expect(lines(s.push(Buffer.from('{"a"')))).toEqual([]);
    expect(s.consumedOffset).toBe(100);
    expect(lines(s.push(Buffer.from(':1}\n{"b"')))).toEqual(['{"a":1}@108']);
    expect(s.consumedOffset).toBe(108);
    expect(s.streamOffset).toBe(112);
  });

  it('reports an over-long line once, at once, and discards it up to the next newline', () => {
    const s = new LineSplitter(10);
    expect(lines(s.push(Buffer.from('x'.repeat(25))))).toEqual(['overflow@25']);
    expect(s.consumedOffset).toBe(25);
    expect(lines(s.push(Buffer.from('yyyy')))).toEqual([]);
    expect(s.consumedOffset).toBe(29);
    expect(lines(s.push(Buffer.from('zz\nok\n')))).toEqual(['ok@35']);
  });

  it('reports an over-long complete line at its newline', () => {
    const s = new LineSplitter(10);
    expect(lines(s.push(Buffer.from(`${'x'.repeat(11)}\nok\n`)))).toEqual(['overflow@12', 'ok@15']);
  });

  it('a last line without a newline counts at the end of the stream', () => {
    const s = new LineSplitter(100);
    s.push(Buffer.from('a\nlast '));
    expect(lines(s.finish())).toEqual(['last@7']);
    expect(s.finish()).toEqual([]);
  });

  it('keeps the unfinished tail of a chunk as a view of it, not a copy (the chunks are handed over)', () => {
    const s = new LineSplitter(100);
    const chunk = Buffer.from(new TextEncoder().encode('x\n{"a"').buffer as ArrayBuffer);
    s.push(chunk);
    const [item] = s.push(Buffer.from(':1}\n'));
    if (item?.kind !== 'line') throw new Error('expected a line');
    const [tail] = item.parts;
    expect(tail!.toString()).toBe('{"a"');
    expect(tail!.buffer).toBe(chunk.buffer);
  });

  it('hands a line spanning chunks over as its parts, trimmed across them, without copying', () => {
    const s = new LineSplitter(1000);
    const own = (text: string): Buffer => Buffer.from(new TextEncoder().encode(text).buffer as ArrayBuffer);
    expect(s.push(own(' \n  '))).toEqual([]);
    expect(s.push(own(' '))).toEqual([]);
    const first = own('{"a"');
    const middle = own(':1');
    const last = own('}  \t \n  \n');
    s.push(first);
    s.push(middle);
    const [item] = s.push(last);
    if (item?.kind !== 'line') throw new Error('expected a line');
    expect(item.parts.map(String)).toEqual(['{"a"', ':1', '}']);
    expect(item.length).toBe(7);
    // Nothing is copied: whole chunks are kept by reference, and the last piece is a view of a
    // chunk that holds more (whoever moves it copies it).
    expect(item.parts[0]!.buffer).toBe(first.buffer);
    expect(item.parts[1]!.buffer).toBe(middle.buffer);
    expect(item.parts[2]!.buffer).toBe(last.buffer);
    expect(item.endOffset).toBe(17);
    // Parts that are all blank are dropped; a line of nothing but blank parts is no line.
    s.push(own('   '));
    expect(s.push(own(' \t\n'))).toEqual([]);
  });

  it('trimAscii returns the same buffer when there is nothing to trim', () => {
    const b = Buffer.from('x');
    expect(trimAscii(b)).toBe(b);
    expect(trimAscii(Buffer.from(' \t ')).length).toBe(0);
  });
});
