import { describe, expect, it } from 'vitest';
import { BLOCK_BYTES, KeptBlocks } from '../../src/host/run/kept-blocks.js';

describe('KeptBlocks (the socket front keeps big reads in reused blocks)', () => {
  it('keeps a copy: the read may be moved away, and a block given back is used again', () => {
    const blocks = new KeptBlocks(2);
    const read = Buffer.from('some bytes read from a socket');
    const kept = blocks.keep(read);
    read.fill(0); // the read itself went to the worker
    expect(kept.bytes.toString()).toBe('some bytes read from a socket');
    expect(kept.block.length).toBe(BLOCK_BYTES);
    blocks.giveBack(kept.block);
    expect(blocks.keep(Buffer.from('next')).block).toBe(kept.block);
  });

  it('keeps at most maxFree blocks for reuse', () => {
    const blocks = new KeptBlocks(2);
    const taken = [1, 2, 3].map(() => blocks.keep(Buffer.from('x')).block);
    for (const block of taken) blocks.giveBack(block);
    expect(blocks.freeCount).toBe(2);
  });
});
