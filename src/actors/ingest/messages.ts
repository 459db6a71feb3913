/** Bus payloads of the ingest actor (listed in src/bus/topics.ts). */
import { z } from 'zod';
import { RunEndRecord, RunStartRecord } from '../../runtime/journal/run-records.js';

/** Socket front → ingest: bytes of connection `connId` starting at stream `offset`. */
export const IngestBytes = z.object({
  connId: z.number(),
  offset: z.number(),
  /**
   * The bytes, one part after the other (what a turn read, in the socket's own chunks where it
   * could). Handed over (transferred) by the socket front: plain ArrayBuffers on both sides.
   */
  parts: z.array(z.instanceof(ArrayBuffer)),
});
export type IngestBytes = z.infer<typeof IngestBytes>;

/** Ingest → socket front: reply text to write, and how far the stream is consumed. */
export const IngestReply = z.object({
  connId: z.number(),
  text: z.string(),
  consumedOffset: z.number(),
  close: z.boolean(),
});
export type IngestReply = z.infer<typeof IngestReply>;

/** The client finished sending (`ingest.eof`). */
export const IngestEof = z.object({ connId: z.number() });
export type IngestEof = z.infer<typeof IngestEof>;

/** These connections are gone (`ingest.closed`): those closed in one turn of the event loop. */
export const IngestClosed = z.object({ connIds: z.array(z.number()) });
export type IngestClosed = z.infer<typeof IngestClosed>;

/**
 * The journal at `path` holds `size` bytes of whole records that this process's ingest appended
 * (or verified, reopening the journal): followers may read up to there, and followers in this
 * process read up to there without checking those records' CRCs again (JournalFollower.catchUpTo).
 */
export const JournalGrew = z.object({ path: z.string(), size: z.number() });
export type JournalGrew = z.infer<typeof JournalGrew>;

/**
 * Every byte the socket front holds that the ingest worker has not consumed, per connection.
 * `eof`: the client finished sending and the end of its stream was already forwarded (a worker
 * that restarts must end the stream after these bytes, or the half-closed client is never closed).
 */
export const IngestResync = z.object({
  connections: z.array(z.object({ connId: z.number(), offset: z.number(), bytes: z.instanceof(ArrayBuffer), eof: z.boolean() })),
});
export type IngestResync = z.infer<typeof IngestResync>;

/**
 * `ingest.settle`: when the script has exited, every byte its connections held is read and handed
 * to the worker (which `ingest.end` then drains), waiting at most `maxWaitMs` for that.
 */
export const IngestSettle = z.object({ maxWaitMs: z.number() });
export type IngestSettle = z.infer<typeof IngestSettle>;
/** `settled`: false when the wait ran out with bytes still held (a client still sending). */
export const IngestSettled = z.object({ settled: z.boolean() });
export type IngestSettled = z.infer<typeof IngestSettled>;

/** Answer to `ingest.begin` / `ingest.end`: the journal's size. */
export const JournalSize = z.object({ size: z.number() });
export type JournalSize = z.infer<typeof JournalSize>;

export const IngestBegin = z.object({ journalPath: z.string(), runStart: RunStartRecord });
export type IngestBegin = z.infer<typeof IngestBegin>;

export const IngestEnd = z.object({ runEnd: RunEndRecord });
export type IngestEnd = z.infer<typeof IngestEnd>;

/** The pause flag changed (SPEC §2: advisory, it only changes the Listener's reply). */
export const RunPaused = z.object({ paused: z.boolean() });
export type RunPaused = z.infer<typeof RunPaused>;

/** Someone asked to end the current iteration (KILL over TCP, HTTP, the TUI). */
export const RunKill = z.object({ source: z.string() });
export type RunKill = z.infer<typeof RunKill>;
