/**
 * A parse-pool thread (piscina): joins, parses and checksums one big line for the ingest thread.
 * The line's pieces come in moved, and the line goes back moved with every buffer the answer
 * holds (numbers, journal body): nothing big is copied between the threads, and the ingest
 * thread neither joins a big line nor checksums its journal body.
 */
import { crc32 } from 'node:zlib';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { runThisThreadInBackground } from '../../runtime/thread-priority.js';
import { nameThisThread } from '../../runtime/thread-name.js';
import type { DeviceMessage, ParsedLine } from '../../protocol/messages.js';
import { type LineParse, parseLineForIngest } from './parse-line-for-ingest.js';
import { joinParts } from '../../protocol/line-splitter.js';
import { type PackedOutlines, packOutlines } from './outlined-device.js';

// A huge line's parse must not take the CPU from the threads answering other clients.
runThisThreadInBackground();
nameThisThread('parse-pool');

export interface ParseTask {
  /** The line's pieces, in order, each alone in its ArrayBuffer (which is moved here). */
  parts: Uint8Array[];
  length: number;
}

/** What the pool answers: a LineParse whose device message (if any) is packed. */
export interface PoolAnswer extends Omit<LineParse, 'parsed'> {
  parsed: Exclude<ParsedLine, { kind: 'device' }> | PackedOutlinesLine | TableOutlinesLine | null;
  bodyCrc: number;
}

export interface PackedOutlinesLine {
  kind: 'packed-outlines';
  packed: PackedOutlines;
}

/** A device line whose channels are a table in its body (`tablePart`): the ingest reads their outlines there. */
export interface TableOutlinesLine {
  kind: 'table-outlines';
  deviceName: string;
}

function tableOutlines(message: DeviceMessage): TableOutlinesLine {
  return { kind: 'table-outlines', deviceName: message.device_name };
}

export default function parseInPool({ parts, length }: ParseTask): object {
  const pieces = parts.map((part) => Buffer.from(part.buffer, part.byteOffset, part.length));
  const parse = parseLineForIngest(joinParts(pieces, length));
  const parsed =
    parse.tablePart !== undefined && parse.parsed?.kind === 'device' ? tableOutlines(parse.parsed.message) : slimmed(parse.parsed);
  const answer: PoolAnswer = { ...parse, parsed, bodyCrc: crcOf(parse.deviceBody ?? [parse.line]) };
  return move({ [transferableSymbol]: ownBuffersOf(answer), [valueSymbol]: answer });
}

function crcOf(parts: readonly Buffer[]): number {
  let crc = 0;
  for (const part of parts) crc = crc32(part, crc);
  return crc;
}

/**
 * The ingest decides replies and merges from kinds, names, units and shapes; a device's config
 * and a session's or result's meta only go to the journal (in the line or the body, both handed
 * back). They are left out of the answer: cloning an object of 100,000 keys back held the ingest
 * thread (the slowest steady reply in the hostile test went from 151 to 74 ms without it). A
 * device message goes back as its channels' outlines (outlined-device.ts): no values, no
 * timestamp strings, which only the journal body needs.
 */
function slimmed(parsed: ParsedLine | null): PoolAnswer['parsed'] {
  switch (parsed?.kind) {
    case 'device':
      return { kind: 'packed-outlines', packed: packOutlines(parsed.message) };
    case 'session': {
      const { meta: _meta, meta_floats: _metaFloats, ...info } = parsed.message.info;
      return { kind: 'session', message: { ...parsed.message, info } };
    }
    case 'result': {
      const { result_meta: _meta, result_meta_floats: _metaFloats, ...message } = parsed.message;
      return { kind: 'result', message };
    }
    default:
      return parsed ?? null;
  }
}

/**
 * The answer's big ArrayBuffers. Small ones are copied: they may be Node's shared Buffer pool
 * slab (Buffer.poolSize bytes), which must never be moved away.
 */
function ownBuffersOf(answer: PoolAnswer): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const add = (view: ArrayBufferView): void => {
    const buffer = view.buffer;
    if (buffer instanceof ArrayBuffer && buffer.byteLength > Buffer.poolSize) buffers.add(buffer);
  };
  add(answer.line);
  for (const part of answer.deviceBody ?? []) add(part);
  return [...buffers];
}
