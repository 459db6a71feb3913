/**
 * The WebAssembly base64 decoder (base64-decode.c), instantiated on first use by each thread that
 * decodes binary traces (the ingest, its parse pool). Its memory is fixed: one piece of text in,
 * its bytes out. Without WebAssembly (`node --jitless`) the caller keeps Node's decoder.
 */
import { BASE64_DECODE_WASM } from './base64-decode.wasm.js';
import { type WasmMemoryExports, instantiateWasm, layOutMemory } from '../wasm-instance.js';

/** What {@link decodeBase64Wasm} returns without WebAssembly. */
export const NOT_TAKEN = -2;
/** Characters decoded per call: a multiple of 16 (a SIMD step) and so of 4 (a group). */
export const PIECE_CHARS = 64 * 1024;
/** A piece's bytes and the 4 more a 16-byte store may write past them. */
const OUTPUT_BYTES = (PIECE_CHARS / 4) * 3 + 4;

interface DecoderExports extends WasmMemoryExports {
  decode(input: number, length: number, output: number): number;
}

interface Decoder {
  decode: DecoderExports['decode'];
  input: Uint8Array;
  inputAt: number;
  output: Uint8Array;
  outputAt: number;
}

/** undefined: not made yet; null: no WebAssembly here. */
let decoder: Decoder | null | undefined;

/**
 * Decodes `text` (base64 of the standard alphabet, its `=` padding taken off) into `target`,
 * which must have room for all of it; returns the bytes written, -1 when a byte of `text` is not
 * in the alphabet or a single character is left over, NOT_TAKEN without WebAssembly.
 */
export function decodeBase64Wasm(text: Uint8Array, target: Uint8Array): number {
  if (decoder === undefined) decoder = instantiate();
  if (decoder === null) return NOT_TAKEN;
  const { decode, input, inputAt, output, outputAt } = decoder;
  let written = 0;
  for (let from = 0; from < text.length; from += PIECE_CHARS) {
    const piece = text.subarray(from, from + PIECE_CHARS);
    input.set(piece);
    const bytes = decode(inputAt, piece.length, outputAt);
    if (bytes < 0) return -1;
    target.set(output.subarray(0, bytes), written);
    written += bytes;
  }
  return written;
}

function instantiate(): Decoder | null {
  const exports = instantiateWasm<DecoderExports>(BASE64_DECODE_WASM);
  if (exports === null) return null;
  const { memory } = exports;
  const [inputAt, outputAt] = layOutMemory(exports, 16, PIECE_CHARS, OUTPUT_BYTES);
  return {
    decode: exports.decode,
    input: new Uint8Array(memory.buffer, inputAt, PIECE_CHARS),
    inputAt,
    output: new Uint8Array(memory.buffer, outputAt, OUTPUT_BYTES),
    outputAt,
  };
}
