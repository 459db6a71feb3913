/**
 * Everything the output file of one iteration needs, built from the journal: small things (session,
 * results, device configs) in memory, the channels' data in spill files. `source()` hands it to the
 * streaming TOML renderer.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ChannelShape, MergeAccepted } from '../../protocol/merge.js';
import type { DeviceMessage, JsonObject, JsonPath, ResultMessage, SessionInfo, SessionMessage } from '../../protocol/messages.js';
import { outputFileName } from '../../protocol/output/file-name.js';
import type { OutputChannel, OutputDevice, OutputSource, RenderedSections } from '../../protocol/output/source.js';
import { withMetaJson } from '../../protocol/session-meta.js';
import { formatSessionTime } from '../../protocol/timestamps.js';
import type { RunEndRecord, RunStartRecord } from '../../runtime/journal/codec.js';
import type { RunEventHandler } from '../../runtime/journal/follower.js';
import { ChannelSpill } from './channel-spill.js';
import { SpillFiles } from './spill-files.js';
import { TableBlock } from './table-block.js';
import { readFloat64Chunks, readRows, readStampChunks } from './spill-reader.js';

interface DeviceOutput {
  config: JsonObject;
  configFloats: readonly JsonPath[] | undefined;
  channels: Map<string, ChannelSpill>;
  /** Channels first seen in a channel table, kept as its columns (not in `channels`). */
  blocks: TableBlock[];
  /** The device's tables as last rendered (see `keepsSections`); dropped when the device changes. */
  sections: RenderedSections | undefined;
  /** Its tables were rendered once while the run went on (`sourceToPrerender`). */
  prerendered: boolean;
}

/** The most values a device's kept tables hold (their text: up to ~110 bytes a value, ~28 MB). */
const KEPT_SECTION_VALUES = 1 << 18;

/**
 * Whether the renderer keeps the device's tables as text: a device of channel tables only (no
 * spill: bounded by the lines), whose rendering is worth keeping (100,000 channels: ~0.4 s).
 */
function keepsSections(device: DeviceOutput): boolean {
  if (device.blocks.length === 0 || device.channels.size > 0) return false;
  return device.blocks.reduce((values, block) => values + block.valueCount, 0) <= KEPT_SECTION_VALUES;
}

export class RunOutput implements RunEventHandler {
  start: RunStartRecord | undefined;
  info: SessionInfo | undefined;
  end: RunEndRecord | undefined;
  private readonly results = new Map<string, ResultMessage>();
  private readonly devices = new Map<string, DeviceOutput>();
  private readonly spillFiles: SpillFiles;
  private unfinished = false;
  /** A device got a channel table since the last `sourceToPrerender`. */
  prerenderWanted = false;
  /** The device whose tables are kept as text, if any (`outputDevice`). */
  private kept: DeviceOutput | undefined;
  /** Bumped on every change, so a live writer knows when there is something new to write. */
  version = 0;

  /** `budgetBytes`: what the channels may hold in memory together (SpillFiles' default if not given). */
  constructor(
    readonly spillDir: string,
    budgetBytes?: number,
  ) {
    fs.rmSync(spillDir, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(spillDir), { recursive: true });
    // New and private: the spill files in it are then created and appended to without more checks.
    fs.mkdirSync(spillDir, { mode: 0o700 });
    this.spillFiles = new SpillFiles(spillDir, budgetBytes);
  }

  runStart(record: RunStartRecord): void {
    this.start = record;
    this.version++;
  }

  session(message: SessionMessage): void {
    this.info = withMetaJson(message.info, this.start?.metaJson, this.start?.metaJsonFloats);
    this.version++;
  }

  device(message: DeviceMessage, merged: MergeAccepted): void {
    let device = this.devices.get(message.device_name);
    if (!device) {
      device = {
        config: merged.device.config,
        configFloats: merged.device.configFloats,
        channels: new Map(),
        blocks: [],
        sections: undefined,
        prerendered: false,
      };
      this.devices.set(message.device_name, device);
    }
    device.sections = undefined;
    if (merged.freshTable) {
      device.blocks.push(new TableBlock(merged.freshTable, this.spillFiles));
      this.prerenderWanted = true;
      this.version++;
      return;
    }
    for (const effect of merged.effects) {
      // A channel first seen (no state before) has no spill yet: not looked for among 100,000.
      let spill = effect.before === undefined ? undefined : (device.channels.get(effect.channel) ?? takeFromBlocks(device, effect.channel));
      if (!spill) {
        spill = new ChannelSpill(effect.unit, effect.shape, this.spillFiles);
        device.channels.set(effect.channel, spill);
      }
      spill.apply(effect.store, effect.shape);
    }
    this.version++;
  }

  result(message: ResultMessage): void {
    this.results.set(message.result_name, message);
    this.version++;
  }

  runEnd(record: RunEndRecord): void {
    this.end = record;
    this.version++;
  }

  /** Where the output file goes: `{output}/{session name}_{local start time}.toml` (SPEC §5). */
  outputPath(): string {
    if (!this.start) throw new Error('the journal has no run-start record');
    const startDate = new Date(Number(BigInt(this.start.startTimeNs) / 1_000_000n));
    return path.join(this.start.outputDir, outputFileName(this.info?.session_name, startDate));
  }

  /**
   * A renderer source over the current state. `keep`: tables worth keeping are kept as text when
   * rendered (false for the final file, after which nothing renders them again).
   */
  source(keep = true): OutputSource {
    const start = this.start;
    const devices = [...this.devices].map(([name, device]) => this.outputDevice(name, device, keep));
    const run: JsonObject = { ...((start?.run ?? {}) as JsonObject), ...((this.end?.run ?? {}) as JsonObject), ...this.endRecordFields() };
    return {
      devices,
      results: [...this.results.values()],
      ...(start
        ? {
            session: {
              uuid: start.uuid,
              start_time: formatSessionTime(BigInt(start.startTimeNs)),
              end_time: this.end ? formatSessionTime(BigInt(this.end.endTimeNs)) : '',
              ...(this.info ? { info: this.info } : {}),
              run,
            },
          }
        : {}),
    };
  }

  /**
   * The devices whose tables are worth rendering now, while the run goes on, once each (their
   * text kept for the final file), as a source; undefined when there is none.
   */
  sourceToPrerender(): OutputSource | undefined {
    this.prerenderWanted = false;
    const devices: OutputDevice[] = [];
    for (const [name, device] of this.devices) {
      if (device.prerendered || !keepsSections(device)) continue;
      device.prerendered = true;
      devices.push(this.outputDevice(name, device));
    }
    return devices.length > 0 ? { devices } : undefined;
  }

  /** One device as the renderer reads it; its tables kept as text when it `keepsSections` (one device at a time). */
  private outputDevice(name: string, device: DeviceOutput, keep = true): OutputDevice {
    if (keepsSections(device)) {
      // Kept for one device only: the memory they take does not grow with the devices.
      if (this.kept !== undefined && this.kept !== device) this.kept.sections = undefined;
      this.kept = device;
      device.sections ??= {};
    } else {
      device.sections = undefined;
    }
    const complete = device.sections?.data !== undefined && device.sections.timestamps !== undefined;
    const sections = keep || complete ? device.sections : undefined;
    const fields = {
      name,
      config: device.config,
      ...(device.configFloats !== undefined && { configFloats: device.configFloats }),
      ...(sections !== undefined && { sections }),
    };
    // Tables already rendered are written from their text: their channels are made only if read.
    if (!complete) return { ...fields, channels: outputChannels(device) };
    let channels: OutputChannel[] | undefined;
    return Object.defineProperty(fields, 'channels', {
      get: () => (channels ??= outputChannels(device)),
      enumerable: true,
    }) as OutputDevice;
  }

  removeSpill(): void {
    this.spillFiles.close();
    fs.rmSync(this.spillDir, { recursive: true, force: true });
  }

  /** The journal ended without an end record (rex was killed, or could not close it). */
  markUnfinished(): void {
    this.unfinished = true;
    this.version++;
  }

  private endRecordFields(): JsonObject {
    const end = this.end;
    if (!end) return { status: this.unfinished ? 'unfinished' : 'running' };
    const fields: JsonObject = { status: end.reason, exit_code: end.exitCode, exit_signal: end.signal };
    if (end.validationError) fields.validation_error = end.validationError;
    if (end.stderrTail) fields.stderr_tail = end.stderrTail;
    return fields;
  }
}

/**
 * A channel read back from its spill, when the renderer reaches it (not all at once). It is read
 * as it stands now: a live write renders while the run goes on appending, and its data and
 * timestamps, read at different moments, must still count the same. A channel still wholly in
 * memory is handed over from there (no copy, no read). A class, not closures: a line of 100,000
 * channels makes one of these per channel.
 */
class SpillOutputChannel {
  readonly unit: string;
  readonly shape: ChannelShape;
  private readonly valueCount: number;
  private readonly rowCount: number;
  private readonly stampCount: number;

  constructor(
    readonly name: string,
    private readonly spill: ChannelSpill,
  ) {
    this.unit = spill.unit;
    this.shape = spill.shape;
    this.valueCount = spill.valueCount;
    this.rowCount = spill.rowCount;
    this.stampCount = spill.stampCount;
  }

  timestampsNow(): readonly string[] | undefined {
    return this.stampCount === 0 ? [] : this.spill.stampsInMemory(this.stampCount);
  }

  timestamps(): AsyncIterable<readonly string[]> {
    const inMemory = this.timestampsNow();
    return inMemory ? once(inMemory) : readStampChunks(this.spill.stampsNow(), this.stampCount);
  }

  valuesNow(): Float64Array | undefined {
    return this.spill.valuesInMemory(this.valueCount, VIEW_MAX);
  }

  values(): AsyncIterable<Float64Array> {
    const inMemory = this.valuesNow();
    return inMemory ? once(inMemory) : readFloat64Chunks(this.spill.valuesNow(), this.valueCount);
  }

  rows(): AsyncIterable<Float64Array> {
    const { spill, rowCount } = this;
    const lengths = spill.rowsInMemory(rowCount);
    const values = lengths && spill.valuesInMemory(lengths.reduce((sum, length) => sum + length, 0));
    return lengths && values ? rowsOf(values, lengths) : readRows(spill.valuesNow(), spill.rowsNow(), rowCount);
  }
}

/** Each channel as the renderer reads it (forEach: no [name, spill] pair made per channel). */
function outputChannels(device: DeviceOutput): OutputChannel[] {
  const channels: OutputChannel[] = [];
  device.channels.forEach((spill, name) => {
    channels.push(new SpillOutputChannel(name, spill));
  });
  for (const block of device.blocks) block.outputChannels(channels);
  return channels;
}

/** A channel kept in one of the device's blocks, moved to a spill of its own (a later message reached it). */
function takeFromBlocks(device: DeviceOutput, name: string): ChannelSpill | undefined {
  for (const block of device.blocks) {
    const spill = block.take(name);
    if (spill) {
      device.channels.set(name, spill);
      return spill;
    }
  }
  return undefined;
}

/** Values handed to the renderer as a view: at most one run of it (render.ts formats 16,384 at a time). */
const VIEW_MAX = 4096;

async function* once<T>(item: T): AsyncGenerator<T> {
  yield item;
}

async function* rowsOf(values: Float64Array, lengths: readonly number[]): AsyncGenerator<Float64Array> {
  let at = 0;
  for (const length of lengths) {
    yield values.subarray(at, at + length);
    at += length;
  }
}
