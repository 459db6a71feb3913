/** Bus payloads of the file-writer actor (listed in src/bus/topics.ts). */
import { z } from 'zod';

export const FileFinalize = z.object({ journalPath: z.string() });
export type FileFinalize = z.infer<typeof FileFinalize>;

export const FileFinalized = z.object({
  /** The output file written, or null when there was nothing to write. */
  file: z.string().nullable(),
  bytes: z.number(),
});
export type FileFinalized = z.infer<typeof FileFinalized>;

/** The final file is being written: `bytes` so far. */
export const FileProgress = z.object({ file: z.string(), bytes: z.number() });
export type FileProgress = z.infer<typeof FileProgress>;
