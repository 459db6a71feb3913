/** Bus payloads of the ingest actor (listed in src/bus/topics.ts). */
import type { RunEndRecord, RunStartRecord } from '../../runtime/journal/codec.js';

/** Socket front → ingest: bytes of connection `connId` starting at stream `offset`. */
export interface IngestBytes {
  connId: number;
  offset: number;
  bytes: ArrayBuffer;
}

/** Ingest → socket front: reply text to write, and how far the stream is consumed. */
export interface IngestReply {
  connId: number;
  text: string;
  consumedOffset: number;
  close: boolean;
}

/** The client finished sending (`ingest.eof`). */
export interface IngestEof {
  connId: number;
}

/** These connections are gone (`ingest.closed`): those closed in one turn of the event loop. */
export interface IngestClosed {
  connIds: number[];
}

/** The journal at `path` holds `size` bytes: followers may read up to there. */
export interface JournalGrew {
  path: string;
  size: number;
}

/**
 * Every byte the socket front holds that the ingest worker has not consumed, per connection.
 * `eof`: the client finished sending and the end of its stream was already forwarded (a worker
 * that restarts must end the stream after these bytes, or the half-closed client is never closed).
 */
export interface IngestResync {
  connections: Array<{ connId: number; offset: number; bytes: ArrayBuffer; eof: boolean }>;
}

export interface IngestBegin {
  journalPath: string;
  runStart: RunStartRecord;
}

export interface IngestEnd {
  runEnd: RunEndRecord;
}

/** The pause flag changed (SPEC §2: advisory, it only changes the Listener's reply). */
export interface RunPaused {
  paused: boolean;
}

/** Someone asked to end the current iteration (KILL over TCP, HTTP, the TUI). */
export interface RunKill {
  source: string;
}
