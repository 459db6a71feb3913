/**
 * A parse-pool thread (piscina): parses one big line for the ingest thread. The line's memory
 * comes in moved, and goes back moved with every buffer the answer holds (numbers, journal
 * body): nothing big is copied either way.
 */
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { runThisThreadInBackground } from '../../runtime/thread-priority.js';
import { type LineParse, parseLineForIngest } from './line-parse.js';

// A huge line's parse must not take the CPU from the threads answering other clients.
runThisThreadInBackground();

export interface ParseTask {
  /** The line, alone in its ArrayBuffer (which is moved here). */
  line: Uint8Array;
}

export default function parseInPool({ line }: ParseTask): object {
  const result = withoutFreeFormJson(parseLineForIngest(Buffer.from(line.buffer, line.byteOffset, line.length)));
  return move({ [transferableSymbol]: ownBuffersOf(result), [valueSymbol]: result });
}

/**
 * The ingest decides replies and merges from kinds, names, units and shapes; a device's config
 * and a session's or result's meta only go to the journal (in the line or the body, both handed
 * back). They are left out of the answer: cloning an object of 100,000 keys back held the ingest
 * thread (the slowest steady reply in the hostile test went from 151 to 74 ms without it).
 */
function withoutFreeFormJson(result: LineParse): LineParse {
  const parsed = result.parsed;
  if (parsed?.kind === 'device') {
    const { device_config_floats: _floats, ...message } = parsed.message;
    return { ...result, parsed: { kind: 'device', message: { ...message, device_config: {} } } };
  }
  if (parsed?.kind === 'session') {
    const { meta: _meta, meta_floats: _metaFloats, ...info } = parsed.message.info;
    return { ...result, parsed: { kind: 'session', message: { ...parsed.message, info } } };
  }
  if (parsed?.kind === 'result') {
    const { result_meta: _meta, result_meta_floats: _metaFloats, ...message } = parsed.message;
    return { ...result, parsed: { kind: 'result', message } };
  }
  return result;
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
