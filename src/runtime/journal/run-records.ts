/**
 * The journal's run records, declared once: a zod schema each, its type inferred. The codec
 * writes them as JSON bodies (RecordType.RunStart, RecordType.RunEnd); the controller hands them
 * to the ingest over the bus (`ingest.begin`, `ingest.end`), whose messages use these schemas.
 */
import { z } from 'zod';

export const RunStartRecord = z.object({
  uuid: z.string(),
  /** 0-based loop index and total loop count. */
  loop: z.number(),
  loops: z.number(),
  startTimeNs: z.string(),
  outputDir: z.string(),
  dryRun: z.boolean(),
  /** The `--meta-json` object merged into the session's meta, if any. */
  metaJson: z.record(z.string(), z.unknown()).optional(),
  /** Whole numbers `--meta-json` wrote as floats, as key paths. */
  metaJsonFloats: z.array(z.array(z.union([z.string(), z.number()])).readonly()).optional(),
  /** The `[session.run]` record known at start (script, interpreter, host, ...). */
  run: z.record(z.string(), z.unknown()),
});
export type RunStartRecord = z.infer<typeof RunStartRecord>;

export const RunEndRecord = z.object({
  endTimeNs: z.string(),
  /** Why the iteration ended: 'script-exit' | 'kill-command' | 'interrupted' | 'validation-failed' | ... */
  reason: z.string(),
  exitCode: z.number().nullable(),
  signal: z.string().nullable(),
  validationError: z.string().optional(),
  /** The last lines the script wrote to stderr (at most 64 KiB), if it wrote any. */
  stderrTail: z.string().optional(),
  /** `[session.run]` facts learned while the script ran (interpreter version, git state). */
  run: z.record(z.string(), z.unknown()).optional(),
});
export type RunEndRecord = z.infer<typeof RunEndRecord>;
