/**
 * The per-channel merge decision for device messages (SPEC §4), as a deterministic reducer.
 *
 * The registry holds only what the decision needs — units, shapes, counts, the frozen config —
 * never the data. `mergeDevice` decides without changing anything (ingest decides before it
 * replies); `commitMerge` applies an accepted outcome, in place: a message costs what it holds,
 * never what its device already holds. The outcome's effects tell a consumer
 * exactly what to do to its own storage (recent window, spill files), so no consumer re-derives
 * the rules. Given the same messages and arrival times, every actor reaches the same registry
 * and the same effects: replaying a journal needs each line's recorded arrival time.
 *
 * Rules (ours where the original dropped data silently):
 * - a channel's unit is fixed by its first message; another unit rejects the whole line;
 * - an empty first message (`[]`) fixes the unit, not the shape (`undecided`);
 * - the first non-empty message decides: an array of arrays → multi; a flat array → single;
 * - single → multi promotion: when the first two non-empty flat messages both have the same
 *   length k > 1, the first becomes row 0 and each later flat message one row (also when the
 *   second message is an array of arrays whose first row has length k);
 * - a flat message into a multi channel is one more row, of any length (ragged rows are kept);
 * - an array of arrays into a channel already holding single values rejects the whole line;
 * - `[]` after the first message appends nothing;
 * - timestamps: one per stored value (single) or row (multi), see `chooseStamps` (merge-channel.ts).
 */
import type { DeviceMessage, JsonObject, JsonPath, MeasurementChannel } from './messages.js';
import type { ClientTimestamps } from './timestamp-bytes.js';
import { type ChannelTable, tableOfMessage } from './channel-table.js';
import { type Accepted, SharedPieces, decideChannel, firstInvalid, storeOp } from './merge-channel.js';

export type ChannelShape = 'undecided' | 'single' | 'multi';

export interface ChannelState {
  readonly unit: string;
  readonly shape: ChannelShape;
  /** Values (single) or rows (multi) stored so far; always equal to the timestamps stored. */
  readonly count: number;
  /**
   * Present while the channel holds exactly one non-empty flat message of `length` > 1 values,
   * so that a second one of the same length promotes it. `timestamp` is what row 0 then carries
   * (the first timestamp of that message).
   */
  readonly pendingRow?: PendingRow;
}

export interface PendingRow {
  readonly length: number;
  readonly timestamp: string;
}

export interface DeviceIdentity {
  readonly name: string;
  /** Frozen at the device's first message; later configs are ignored. */
  readonly config: JsonObject;
  /** The first message's `device_config_floats`, frozen with its config. */
  readonly configFloats?: readonly JsonPath[];
}

export interface DeviceState extends DeviceIdentity {
  /** In the order the channels were first seen; changed in place by each commit. */
  readonly channels: ReadonlyMap<string, ChannelState>;
}

export type DeviceRegistry = Map<string, DeviceState>;

export function createDeviceRegistry(): DeviceRegistry {
  return new Map();
}

/**
 * Timestamps to store alongside new values or rows. `repeat` is the common case (one arrival
 * time or one client time for the whole message) kept compact instead of `count` copies.
 */
export type Stamps =
  | { readonly kind: 'repeat'; readonly timestamp: string; readonly count: number }
  | { readonly kind: 'each'; readonly timestamps: readonly string[] };

/** What a consumer does to its storage of one channel for one message. */
export type StoreOp =
  /** Nothing to store (an empty message). */
  | { readonly kind: 'none' }
  /** Single: append the values and their timestamps (one per value). */
  | { readonly kind: 'append-values'; readonly values: Float64Array; readonly stamps: Stamps }
  /** Multi: append the rows and their timestamps (one per row). */
  | { readonly kind: 'append-rows'; readonly rows: readonly Float64Array[]; readonly stamps: Stamps }
  /**
   * Single → multi: the `rowLength` values already stored (the channel's only non-empty
   * message so far) become row 0, and their `rowLength` timestamps are replaced by the single
   * `row0Timestamp`; then append `rows` with `stamps` (one per row).
   */
  | {
      readonly kind: 'promote';
      readonly rowLength: number;
      readonly row0Timestamp: string;
      readonly rows: readonly Float64Array[];
      readonly stamps: Stamps;
    };

export interface ChannelEffect {
  readonly channel: string;
  readonly unit: string;
  /** The channel's shape after this message. */
  readonly shape: ChannelShape;
  readonly store: StoreOp;
  /** The channel's state before this message; undefined: first seen, the consumer creates its storage. */
  readonly before: ChannelState | undefined;
  /** The channel's state after this message. */
  readonly after: ChannelState;
}

export type MergeWarningCode = 'timestamp-count' | 'timestamp-invalid';

export interface MergeWarning {
  readonly code: MergeWarningCode;
  readonly device: string;
  readonly channel: string;
  readonly message: string;
}

export interface MergeAccepted {
  readonly ok: true;
  /** The device's name and frozen config (its channels' states are in the effects). */
  readonly device: DeviceIdentity;
  readonly deviceCreated: boolean;
  /** One per channel of the message, in message order. */
  readonly effects: readonly ChannelEffect[];
  readonly warnings: readonly MergeWarning[];
  /** The decision that `commitMerge` writes into the registry. */
  readonly merge: OutlineMerge;
  /**
   * Set when the message is a new device's channel table: every channel is first seen and stores
   * its values as the table holds them, stamped `arrivalTime` (a channel of none: unit only). A
   * consumer may keep the columns (a copy: they may be views of a reused buffer) and never read
   * `effects`, which are then not made.
   */
  readonly freshTable?: FreshTable;
}

export interface FreshTable {
  readonly table: ChannelTable;
  readonly arrivalTime: string;
}

export interface MergeRejected {
  readonly ok: false;
  /** The caller replies `Invalid format: <reason>`; nothing of the line is stored. */
  readonly reason: string;
}

export type MergeOutcome = MergeAccepted | MergeRejected;

/**
 * Decides how `msg` merges into `devices` without changing anything.
 * `arrivalTime` (already in the rex format) stamps values that carry no usable client time.
 */
export function mergeDevice(devices: DeviceRegistry, msg: DeviceMessage, arrivalTime: string): MergeOutcome {
  const merge = new OutlineMerge(devices, msg.device_name, msg.device_config, msg.device_config_floats, arrivalTime);
  const table = tableOfMessage(msg);
  if (table && merge.previous === undefined) {
    // A new device's table: its channels' states are decided when first read (a later message of
    // the device), their effects only if read: the store and the file-writer keep the columns (`freshTable`).
    merge.addNewTable(table);
    let effects: readonly ChannelEffect[] | undefined;
    return {
      ok: true,
      device: merge.identity,
      deviceCreated: true,
      // Decided again as the device's first message: the same decisions, with their effects.
      get effects() {
        effects ??= mergeEffects(
          new OutlineMerge(createDeviceRegistry(), msg.device_name, msg.device_config, msg.device_config_floats, arrivalTime),
          msg,
          table,
        )!;
        return effects;
      },
      warnings: merge.warnings,
      merge,
      freshTable: { table, arrivalTime },
    };
  }
  const effects = mergeEffects(merge, msg, table);
  if (!effects) return merge.rejection!;
  return { ok: true, device: merge.identity, deviceCreated: merge.previous === undefined, effects, warnings: merge.warnings, merge };
}

/** Decides `msg`'s channels in `merge`, with their effects (null: rejected). */
function mergeEffects(merge: OutlineMerge, msg: DeviceMessage, table: ChannelTable | undefined): ChannelEffect[] | null {
  const effects: ChannelEffect[] = [];
  // Many small channels kept as a table (channel-table.ts): decided and stored from its columns, no channel object made.
  const decided = table
    ? merge.addEach(table.count, tableOutlines(table), (i, before, decision, outline) =>
        effects.push(merge.effectOf(outline.name, table.valuesOf(i), null, undefined, before, decision)),
      )
    : merge.addEach(
        msg.channels.length,
        (i) => outlineChannel(msg.channels[i]!),
        (i, before, decision) => effects.push(merge.effect(msg.channels[i]!, before, decision)),
      );
  return decided ? effects : null;
}

/** A table's channels as outlines: one object, refilled for each (read before the next is asked for). */
function tableOutlines(table: ChannelTable): (index: number) => ChannelOutline {
  const outline = { name: '', unit: '', multi: false, length: 0, firstRowLength: 0 };
  return (i) => {
    outline.name = table.name(i);
    outline.unit = table.unit(i);
    outline.length = table.length(i);
    return outline;
  };
}

/**
 * The decision of one message: from outlines (no values), in steps, so that the ingest decides a
 * line of 100,000 channels over several turns of the event loop while other connections are
 * answered. It keeps only the channels the message changes, and `commit` writes them into the
 * device's channel map in place: a message costs what it holds, not what its device already holds.
 * Hence the registry's older states are kept by no one (the previous state's map changes too):
 * consumers read a channel's states from the effects (`mergeDevice`), never from the registry.
 */
export class OutlineMerge {
  readonly previous: DeviceState | undefined;
  /** The device's name and config, frozen at its first message. */
  readonly identity: DeviceIdentity;
  readonly warnings: MergeWarning[] = [];
  private changes = new Map<string, ChannelState>();
  private rejected: MergeRejected | null = null;
  /** Objects that channels of one message share (a line of 100,000 channels made each 100,000 times). */
  private readonly shared: SharedPieces;

  constructor(
    readonly devices: DeviceRegistry,
    readonly deviceName: string,
    config: JsonObject,
    configFloats: readonly JsonPath[] | undefined,
    arrivalTime: string,
  ) {
    this.shared = new SharedPieces(arrivalTime);
    const previous = devices.get(deviceName);
    this.previous = previous;
    const frozen = previous ?? { config, configFloats };
    this.identity = {
      name: deviceName,
      config: frozen.config,
      ...(frozen.configFloats !== undefined && { configFloats: frozen.configFloats }),
    };
  }

  /**
   * Decides the message's next channels (in message order); false once the message is rejected.
   * `decided` hears of each accepted channel (its index in `outlines`), for the effects.
   */
  add(
    outlines: readonly ChannelOutline[],
    decided?: (index: number, before: ChannelState | undefined, decision: Accepted, outline: ChannelOutline) => void,
  ): boolean {
    return this.addEach(outlines.length, (i) => outlines[i]!, decided);
  }

  /** {@link add} of `count` outlines made one at a time (each dies young: no array of 100,000 kept through the decision). */
  addEach(
    count: number,
    outlineAt: (index: number) => ChannelOutline,
    decided?: (index: number, before: ChannelState | undefined, decision: Accepted, outline: ChannelOutline) => void,
  ): boolean {
    if (this.rejected) return false;
    const known = this.previous?.channels;
    for (let i = 0; i < count; i++) {
      const outline = outlineAt(i);
      // A message's channels have distinct names (the keys of one JSON object): none is in `changes` yet.
      const state = known?.get(outline.name);
      const decision = decideChannel(this.deviceName, state, outline, this.shared, this.warnings);
      if (!decision.ok) {
        this.rejected = decision;
        return false;
      }
      this.changes.set(outline.name, decision.next);
      decided?.(i, state, decision, outline);
    }
    return true;
  }

  /**
   * A new device's channel table, decided as a whole: every channel is first seen, with its own
   * name, so none is rejected or warned about; their states are decided when first read.
   */
  addNewTable(table: ChannelTable): void {
    if (this.previous !== undefined || this.changes.size > 0) throw new Error(`device '${this.deviceName}' is not new`);
    const columns = table.copy(false); // the table may be a view of a reused buffer
    this.changes = new LazyStates((states) => {
      const shared = new SharedPieces(this.shared.arrivalTime);
      const outlineAt = tableOutlines(columns);
      for (let i = 0; i < columns.count; i++) {
        const outline = outlineAt(i);
        const decision = decideChannel(this.deviceName, undefined, outline, shared, this.warnings);
        if (!decision.ok) throw new Error(`a new device's table rejected: ${decision.reason}`);
        states.set(outline.name, decision.next);
      }
    });
  }

  /** The device changed in the registry since this decision began: it must be decided again. */
  get stale(): boolean {
    return this.devices.get(this.deviceName) !== this.previous;
  }

  /** Why the message is rejected, or null. */
  get rejection(): MergeRejected | null {
    return this.rejected;
  }

  /** What channel `channel` stores of this message (its data and timestamps). */
  effect(channel: MeasurementChannel, before: ChannelState | undefined, decision: Accepted): ChannelEffect {
    const { data } = channel;
    const values = data.shape === 'single' ? data.values : null;
    return this.effectOf(channel.name, values, data.shape === 'multi' ? data.rows : null, channel.timestamps, before, decision);
  }

  /** {@link effect} of a channel given by parts: its flat values or its rows, and its client timestamps. */
  effectOf(
    name: string,
    values: Float64Array | null,
    rows: readonly Float64Array[] | null,
    timestamps: ClientTimestamps | undefined,
    before: ChannelState | undefined,
    decision: Accepted,
  ): ChannelEffect {
    const after = decision.next;
    const store = storeOp(values, rows, timestamps, decision, this.shared);
    return { channel: name, unit: after.unit, shape: after.shape, store, before, after };
  }

  commit(): void {
    if (this.rejected) throw new Error(`a rejected message of device '${this.deviceName}' cannot be committed`);
    if (this.stale) throw new Error(`stale merge outcome for device '${this.deviceName}': decide again`);
    // A new device takes the decision's map as it is (in message order: the order first seen).
    const channels = (this.previous?.channels ?? this.changes) as Map<string, ChannelState>;
    if (channels !== this.changes) for (const [name, state] of this.changes) channels.set(name, state);
    // A new state object (same map): a decision begun before this commit is now stale.
    this.devices.set(this.deviceName, { ...this.identity, channels });
  }
}

/** Applies an accepted outcome. Throws if the registry changed since the outcome was decided. */
export function commitMerge(devices: DeviceRegistry, accepted: MergeAccepted): void {
  if (accepted.merge.devices !== devices) throw new Error(`merge outcome for device '${accepted.device.name}' decided on another registry`);
  accepted.merge.commit();
}

/** `mergeDevice` then `commitMerge` when accepted. */
export function mergeAndCommit(devices: DeviceRegistry, msg: DeviceMessage, arrivalTime: string): MergeOutcome {
  const outcome = mergeDevice(devices, msg, arrivalTime);
  if (outcome.ok) commitMerge(devices, outcome);
  return outcome;
}

/**
 * What the decision needs of one channel of a message: no values, and of client timestamps only
 * how many there are, the first, and the first that is not RFC 3339. The ingest decides from these
 * for a big line parsed by the pool, which sends back outlines instead of arrays and strings.
 */
export interface ChannelOutline {
  readonly name: string;
  readonly unit: string;
  readonly multi: boolean;
  /** Values (flat) or rows (multi) in the message. */
  readonly length: number;
  /** Multi: the first row's length (0 when there are no rows). */
  readonly firstRowLength: number;
  readonly timestamps?: readonly string[] | TimestampsOutline;
}

export interface TimestampsOutline {
  readonly length: number;
  readonly first: string;
  /** The first timestamp that is not RFC 3339 (its first 64 characters), or null. */
  readonly invalid: string | null;
}

/** A message's channel as the decision sees it (the timestamps stay the message's own). */
export function outlineChannel(channel: MeasurementChannel): ChannelOutline {
  const data = channel.data;
  const multi = data.shape === 'multi';
  const length = multi ? data.rows.length : data.values.length;
  const firstRowLength = multi ? (data.rows[0]?.length ?? 0) : 0;
  return channel.timestamps === undefined
    ? { name: channel.name, unit: channel.unit, multi, length, firstRowLength }
    : { name: channel.name, unit: channel.unit, multi, length, firstRowLength, timestamps: channel.timestamps };
}

/**
 * A device's channel states, made when first read or changed (`fill`): a new device's table of
 * 100,000 channels otherwise cost every follower a map entry per channel that nothing may ever read.
 */
class LazyStates extends Map<string, ChannelState> {
  constructor(private fill: ((states: Map<string, ChannelState>) => void) | undefined) {
    super();
  }

  private filled(): this {
    const fill = this.fill;
    this.fill = undefined;
    fill?.(this);
    return this;
  }

  override get size(): number {
    return this.filled() && super.size;
  }
  override get(key: string): ChannelState | undefined {
    return this.filled() && super.get(key);
  }
  override has(key: string): boolean {
    return this.filled() && super.has(key);
  }
  override set(key: string, value: ChannelState): this {
    return this.filled() && super.set(key, value);
  }
  override delete(key: string): boolean {
    return this.filled() && super.delete(key);
  }
  override clear(): void {
    this.filled();
    super.clear();
  }
  override forEach(callback: (value: ChannelState, key: string, map: Map<string, ChannelState>) => void, thisArg?: unknown): void {
    this.filled();
    super.forEach(callback, thisArg);
  }
  override entries(): MapIterator<[string, ChannelState]> {
    return this.filled() && super.entries();
  }
  override keys(): MapIterator<string> {
    return this.filled() && super.keys();
  }
  override values(): MapIterator<ChannelState> {
    return this.filled() && super.values();
  }
  override [Symbol.iterator](): MapIterator<[string, ChannelState]> {
    return this.entries();
  }
}

/**
 * Client timestamps outlined (done where they are parsed: the parse pool). `check`: false when
 * their count rules them out whatever the channel holds (`invalid` is then never read).
 */
export function outlineTimestamps(timestamps: ClientTimestamps, check = true): TimestampsOutline {
  const first = Array.isArray(timestamps) ? (timestamps[0] ?? '') : timestamps.first;
  return { length: timestamps.length, first, invalid: check ? firstInvalid(timestamps) : null };
}

/** How many timestamps `stamps` stands for. */
export function stampsLength(stamps: Stamps): number {
  return stamps.kind === 'repeat' ? stamps.count : stamps.timestamps.length;
}

/** The timestamps at positions [start, end) of `stamps`, as an array. */
export function sliceStamps(stamps: Stamps, start = 0, end = stampsLength(stamps)): string[] {
  if (stamps.kind === 'each') return stamps.timestamps.slice(start, end);
  const from = Math.max(0, Math.min(start, stamps.count));
  const to = Math.max(from, Math.min(end, stamps.count));
  return new Array<string>(to - from).fill(stamps.timestamp);
}
