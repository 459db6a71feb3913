/**
 * What the ingest needs of one line: is it UTF-8, what does it parse to, and, for a big device
 * line read from its bytes, the journal body that keeps it as skeleton + float64 (line-body.ts).
 * Pure; used on the ingest thread for small lines and in the parse pool for big ones.
 */
import { isUtf8 } from 'node:buffer';
import type { ParsedLine } from '../../protocol/messages.js';
import { parseLineBytes } from '../../protocol/parse.js';
import type { AllocateFloat64 } from '../../protocol/binary-trace.js';
import { encodeSkeletonBody } from '../../runtime/journal/line-body.js';
import { ChannelTable } from '../../protocol/channel-table.js';
import type { OutlinedDevice } from './outlined-device.js';

export interface LineParse {
  /** The line's bytes (handed back by the pool, which had them moved to it). */
  line: Buffer;
  /**
   * null: the line is not valid UTF-8. From the parse pool, a device as its outlines and without
   * a session's or result's meta (parse-pool-thread.ts): the ingest decides without them.
   */
  parsed: ParsedLine | OutlinedDeviceLine | null;
  /** The journal body of a device line read as skeleton + numbers; null: journal the line itself. */
  deviceBody: Buffer[] | null;
  /** crc32 of that body (`deviceBody`, else `line`), when the parse pool computed it. */
  bodyCrc?: number;
  /** The part of `deviceBody` that holds the line's channel table (channel-table.ts), if it has one. */
  tablePart?: number;
  /**
   * `line` or the decoded values are in reused memory: called once the line is journaled (or
   * answered without), after which nothing may read `line`, `parsed`'s values or `deviceBody`.
   */
  release?: () => void;
}

export interface OutlinedDeviceLine {
  kind: 'outlined-device';
  outlines: OutlinedDevice;
}

/** `allocateValues`: where a big line's data arrays and binary traces go (parse.ts); by default fresh arrays. */
export function parseLineForIngest(line: Buffer, allocateValues?: AllocateFloat64): LineParse & { parsed: ParsedLine | null } {
  if (!isUtf8(line)) return { line, parsed: null, deviceBody: null };
  const { parsed, skeleton } = parseLineBytes(line, allocateValues);
  if (skeleton === null || parsed.kind !== 'device') return { line, parsed, deviceBody: null };
  const deviceBody = encodeSkeletonBody(skeleton);
  const table = skeleton.extracted.find((piece) => piece instanceof ChannelTable);
  return table ? { line, parsed, deviceBody, tablePart: deviceBody.indexOf(table.encode()) } : { line, parsed, deviceBody };
}
