/**
 * The WebAssembly piece reader (number-reader.c), instantiated on first use by each thread that
 * reads number arrays (or counts an output file's arrays for its index). Its memory is fixed: one
 * piece in, its values out. Without WebAssembly (`node --jitless`) the caller keeps its
 * JavaScript reader.
 */
import { POWER_HIGH, POWER_HIGH_LOWER, POWER_HIGH_UPPER, POWER_LOW } from '../powers-of-ten.js';
import { NUMBER_READER_WASM } from './number-reader.wasm.js';
import { type WasmMemoryExports, instantiateWasm, layOutMemory } from '../wasm-instance.js';

/** The longest piece read here (number-array-bytes.ts cuts pieces of ~32 KiB). */
export const WASM_PIECE_BYTES = 64 * 1024;
/** The first step of bytes {@link countValuesWasm} copies in. */
const COUNT_FIRST_BYTES = 1024;
/** What {@link readPieceWasm} returns when it cannot take the piece. */
export const NOT_TAKEN = -2;

/** The piece's last byte (`,` or `]`) and the 7 an eight-byte load may read past it. */
const INPUT_BYTES = WASM_PIECE_BYTES + 8;
/** Each number takes a digit and a separator. */
const OUTPUT_VALUES = (WASM_PIECE_BYTES >> 1) + 1;

interface NumberReaderExports extends WasmMemoryExports {
  power_count(): number;
  power_table(which: number): number;
  read_numbers(from: number, end: number, out: number): number;
  count_values(from: number, end: number, state: number): number;
}

interface Instance {
  read: NumberReaderExports['read_numbers'];
  count: NumberReaderExports['count_values'];
  /** count_values's state: a value is expected, values started. */
  countState: Int32Array;
  countStateAt: number;
  input: Uint8Array;
  inputAt: number;
  output: Float64Array;
  outputAt: number;
}

/** undefined: not made yet; null: no WebAssembly here. */
let instance: Instance | null | undefined;

/**
 * Reads the comma-separated numbers in `bytes[from, end)` (the byte at `end` is the `,` or `]`
 * after them) into `values` from `at`; returns how many, -1 when one of them is not decided here
 * (as readPieceFast), or NOT_TAKEN when the piece is too long or WebAssembly is missing.
 * `values` must have room for every number the piece can hold.
 */
export function readPieceWasm(bytes: Uint8Array, from: number, end: number, values: Float64Array, at: number): number {
  if (end - from > WASM_PIECE_BYTES) return NOT_TAKEN;
  if (instance === undefined) instance = instantiate();
  const reader = instance;
  if (reader === null) return NOT_TAKEN;
  reader.input.set(bytes.subarray(from, end + 1));
  const count = reader.read(reader.inputAt, reader.inputAt + (end - from), reader.outputAt);
  if (count > 0) values.set(reader.output.subarray(0, count), at);
  return count;
}

/**
 * Counts the values of a TOML data array in `bytes[from, end)` as toml-array-counter.ts does, up
 * to the first special byte other than a comma (`#`, `]`, `}`, a quote, `[`, `{`); returns where it
 * stopped, or NOT_TAKEN without WebAssembly. `state[0]`: 1 when a value is expected (in and out);
 * `state[1]` (out): how many values the bytes started.
 */
export function countValuesWasm(bytes: Uint8Array, from: number, end: number, state: Int32Array): number {
  if (instance === undefined) instance = instantiate();
  const reader = instance;
  if (reader === null) return NOT_TAKEN;
  let values = 0;
  let pos = from;
  // Copied in growing steps: the run may end a few bytes on.
  for (let step = COUNT_FIRST_BYTES; pos < end; step = Math.min(step * 4, WASM_PIECE_BYTES)) {
    const length = Math.min(end - pos, step);
    reader.input.set(bytes.subarray(pos, pos + length));
    reader.countState[0] = state[0]!;
    const taken = reader.count(reader.inputAt, reader.inputAt + length, reader.countStateAt);
    state[0] = reader.countState[0]!;
    values += reader.countState[1]!;
    pos += taken;
    if (taken < length) break;
  }
  state[1] = values;
  return pos;
}

function instantiate(): Instance | null {
  const exports = instantiateWasm<NumberReaderExports>(NUMBER_READER_WASM);
  if (exports === null) return null;
  const { memory } = exports;
  const [inputAt, outputAt, countStateAt] = layOutMemory(exports, 8, INPUT_BYTES, OUTPUT_VALUES * 8, 8);
  const tables = [POWER_HIGH, POWER_LOW, POWER_HIGH_UPPER, POWER_HIGH_LOWER];
  if (exports.power_count() !== POWER_HIGH.length) {
    throw new Error(`number-reader.c holds ${exports.power_count()} powers of ten, powers-of-ten.ts ${POWER_HIGH.length}: make them agree`);
  }
  for (const [which, table] of tables.entries()) new Float64Array(memory.buffer, exports.power_table(which), table.length).set(table);
  return {
    read: exports.read_numbers,
    count: exports.count_values,
    countState: new Int32Array(memory.buffer, countStateAt, 2),
    countStateAt,
    input: new Uint8Array(memory.buffer, inputAt, INPUT_BYTES),
    inputAt,
    output: new Float64Array(memory.buffer, outputAt, OUTPUT_VALUES),
    outputAt,
  };
}
