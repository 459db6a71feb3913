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
 * Grows the module's memory to at least `bytes`. Views of it must be made after: growing
 * detaches the old buffer (and nothing grows it again once laid out).
 */
export function growMemoryTo(exports: WasmMemoryExports, bytes: number): void {
  const { memory } = exports;
  if (bytes > memory.buffer.byteLength) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
}

export function align(offset: number, to: number): number {
  return Math.ceil(offset / to) * to;
}
