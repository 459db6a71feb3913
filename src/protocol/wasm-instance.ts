/**
 * What the WebAssembly modules' loaders share (number-reader-wasm/, base64-wasm/): each thread that
 * uses a module makes its own instance on first use, with a fixed memory laid out once.
 */

/** The part of the WebAssembly global used here (TypeScript declares it only in its DOM library). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

/** What every module built by scripts/build-wasm.mjs exports besides its functions. */
export interface WasmMemoryExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  __heap_base: { value: number };
}

/** The exports of the module whose bytes are `base64`; null where there is no WebAssembly (`node --jitless`). */
export function instantiateWasm<T extends WasmMemoryExports>(base64: string): T | null {
  const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (api === undefined) return null;
  return new api.Instance(new api.Module(Buffer.from(base64, 'base64'))).exports as T;
}

/**
 * Lays out regions of `sizes` bytes after the module's own data, each at a multiple of `alignment`,
 * grows the memory to hold them and returns where each starts. Views of the memory must be made
 * after: growing detaches the old buffer (and nothing grows it again once laid out).
 */
export function layOutMemory<Sizes extends number[]>(
  exports: WasmMemoryExports,
  alignment: number,
  ...sizes: Sizes
): { [Region in keyof Sizes]: number } {
  let end = exports.__heap_base.value;
  const starts = sizes.map((size) => {
    const start = Math.ceil(end / alignment) * alignment;
    end = start + size;
    return start;
  });
  const { memory } = exports;
  if (end > memory.buffer.byteLength) memory.grow(Math.ceil((end - memory.buffer.byteLength) / 65536));
  return starts as { [Region in keyof Sizes]: number };
}
