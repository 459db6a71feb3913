/**
 * What a finished run's output file holds, as `rex ls`, `rex show` and `rex export` see it
 * (pure types). The small parts (session, device configs, units, results) are read whole; a
 * channel's values and timestamps stay in the file and are streamed on demand
 * (`src/runtime/run-file/`), so a 5 GB file is never held in memory.
 */

/**
 * A TOML value as read: strings (date-times too, as their text), floats as numbers and integers as
 * bigints (TOML tells them apart, and the exports keep them apart), booleans, arrays, tables.
 */
export type TomlValue = string | number | bigint | boolean | TomlValue[] | { [key: string]: TomlValue };
export type TomlTable = { [key: string]: TomlValue };

/** Where a streamed array starts in the file: the byte offset of its `[`. */
export interface ArraySpan {
  readonly offset: number;
}

export interface ChannelEntry {
  readonly device: string;
  readonly name: string;
  /** `unit` of the channel's table; '' if the file has none. */
  readonly unit: string;
  /** `single`: a flat array of values; `trace`: an array of rows (one per message). */
  readonly shape: 'single' | 'trace';
  /** Values (single) or rows (trace). */
  readonly count: number;
  /** All values: `count` for a single channel, the sum of the row lengths for a trace. */
  readonly points: number;
  /** A trace whose rows all have one length: that length; otherwise (ragged, or single) null. */
  readonly rowLength: number | null;
  /** Entries of `timestamps.<channel>` (0 if the file has none for it). */
  readonly timestampCount: number;
  readonly data: ArraySpan | null;
  readonly timestamps: ArraySpan | null;
}

export interface DeviceEntry {
  /** The key of `[device.<name>]`. */
  readonly name: string;
  /** The device table's own keys (device_config, `device_name`), without `data` and `timestamps`. */
  readonly config: TomlTable;
  readonly channels: readonly ChannelEntry[];
}

export interface ResultEntry {
  readonly name: string;
  /** `result_status`; undefined if the file has none. */
  readonly pass: boolean | undefined;
  /** The whole `[results.<name>]` table. */
  readonly fields: TomlTable;
}

export interface SessionEntry {
  readonly uuid: string | undefined;
  /** As written: rex-daq's RFC 3339 (`2026-01-16T06:35:32.421Z`) or the original's `16-01-2026 19:35:32.421` (local time). */
  readonly startTime: string | undefined;
  /** '' in a live file while the run goes on. */
  readonly endTime: string | undefined;
  /** `[session.info]` (with `meta`). */
  readonly info: TomlTable;
  /** rex-daq's `[session.run]`; empty in the original's files. */
  readonly run: TomlTable;
}

/** The index of one output file: everything but the channels' values and timestamps. */
export interface RunFileIndex {
  readonly path: string;
  readonly bytes: number;
  readonly session: SessionEntry;
  readonly devices: readonly DeviceEntry[];
  readonly results: readonly ResultEntry[];
}
