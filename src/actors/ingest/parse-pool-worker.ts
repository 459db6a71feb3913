/**
 * A parse-pool thread (piscina): parses one big line for the ingest thread. The line's memory
 * comes in moved, and goes back moved with every buffer the answer holds (numbers, journal
 * body): nothing big is copied either way.
 */
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { type LineParse, parseLineForIngest } from './line-parse.js';

export interface ParseTask {
  /** The line, alone in its ArrayBuffer (which is moved here). */
  line: Uint8Array;
}

export default function parseInPool({ line }: ParseTask): object {
  const result = parseLineForIngest(Buffer.from(line.buffer, line.byteOffset, line.length));
  return move({ [transferableSymbol]: ownBuffersOf(result), [valueSymbol]: result });
}

/**
 * The result's big ArrayBuffers. Small ones are copied: they may be Node's shared Buffer pool
 * slab (Buffer.poolSize bytes), which must never be moved away.
 */
function ownBuffersOf(result: LineParse): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const add = (view: ArrayBufferView): void => {
    const buffer = view.buffer;
    if (buffer instanceof ArrayBuffer && buffer.byteLength > Buffer.poolSize) buffers.add(buffer);
  };
  add(result.line);
  for (const part of result.deviceBody ?? []) add(part);
  if (result.parsed?.kind === 'device') {
    for (const channel of result.parsed.message.channels) {
      if (channel.data.shape === 'single') add(channel.data.values);
      else for (const row of channel.data.rows) add(row);
    }
  }
  return [...buffers];
}
