/**
 * The names of journal replication (docs/fleet.md, "Replication and the archive"): the JetStream
 * stream, its subjects, message ids and headers. Pure: the station's replicator and the hub's
 * archive both read them here.
 *
 * A message carries one journal record as it is on the station's disk (a side-body reference
 * followed by the side body itself), so the archive rebuilds the journal byte for byte. A record
 * too big for one message is cut into chunks.
 */
import { byteGroups } from '../byte-groups.js';

export const JOURNAL_STREAM = 'REX_JOURNAL';
export const JOURNAL_SUBJECTS = 'rex.journal.>';

/** Well under NATS's default max_payload (1 MB), headers included. */
export const CHUNK_BYTES = 512 * 1024;

export const JournalHeader = {
  /** The record's offset in the station's journal. */
  offset: 'Rex-Offset',
  /** The offset just after the record: where the next one starts. */
  next: 'Rex-Next',
  /** This chunk's index and the record's chunk count (1 when the record fits one message). */
  chunk: 'Rex-Chunk',
  chunks: 'Rex-Chunks',
  /** An end marker (`rex recover` of a journal without a run-end record): the journal's whole length. */
  end: 'Rex-End',
} as const;

/** A run's UUID and a node's name are subject tokens: no dots, spaces or wildcards. */
const TOKEN = /^[A-Za-z0-9_-]+$/;

export interface JournalAddress {
  node: string;
  uuid: string;
  /** N of the station's `loop-N.rexj`. */
  loop: number;
}

/** `rex.journal.<node>.<run uuid>.<loop>` */
export function journalSubject({ node, uuid, loop }: JournalAddress): string {
  if (!TOKEN.test(node) || !TOKEN.test(uuid)) throw new Error(`cannot name a journal subject for node ${node}, run ${uuid}`);
  return `rex.journal.${node}.${uuid}.${loop}`;
}

/** Every journal subject of one station: `rex.journal.<node>.>` */
export function journalSubjectsOf(node: string): string {
  if (!TOKEN.test(node)) throw new Error(`${node} is not a station name`);
  return `rex.journal.${node}.>`;
}

export function parseJournalSubject(subject: string): JournalAddress | null {
  const parts = subject.split('.');
  if (parts.length !== 5 || parts[0] !== 'rex' || parts[1] !== 'journal') return null;
  const [, , node = '', uuid = '', loopText = ''] = parts;
  if (!TOKEN.test(node) || !TOKEN.test(uuid) || !/^\d{1,9}$/.test(loopText)) return null;
  return { node, uuid, loop: Number(loopText) };
}

/** `<run uuid>/<loop>/<offset>`, and `/<chunk>` for a record cut into several messages. */
export function recordMessageId({ uuid, loop }: JournalAddress, offset: number, chunk: number, chunks: number): string {
  const id = `${uuid}/${loop}/${offset}`;
  return chunks > 1 ? `${id}/${chunk}` : id;
}

export function endMessageId({ uuid, loop }: JournalAddress): string {
  return `${uuid}/${loop}/end`;
}

/** `loop-N.rexj` → N; null for any other name. */
export function journalLoopOf(fileName: string): number | null {
  const match = /^loop-(\d+)\.rexj$/.exec(fileName);
  return match ? Number(match[1]) : null;
}

/** How many messages a record of `bytes` (with its side body) takes. */
export function chunkCount(bytes: number, chunkBytes = CHUNK_BYTES): number {
  return Math.max(1, Math.ceil(bytes / chunkBytes));
}

/** The bytes of `parts` (a record, then its side body) cut into pieces of `chunkBytes`, copying only pieces that span two parts. */
export function* chunksOf(parts: readonly Buffer[], chunkBytes = CHUNK_BYTES): Generator<Buffer> {
  for (const group of byteGroups(parts, chunkBytes)) yield group.length === 1 ? (group[0] as Buffer) : Buffer.concat(group);
}
