/** Bus requests served by the file-writer actor (listed in src/bus/topics.ts). */

export interface FileFinalize {
  journalPath: string;
}

export interface FileFinalized {
  /** The output file written, or null when there was nothing to write. */
  file: string | null;
  bytes: number;
}

/** The final file is being written: `bytes` so far. */
export interface FileProgress {
  file: string;
  bytes: number;
}
