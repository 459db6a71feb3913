/**
 * Unguessable bytes from the Web Crypto global (a CSPRNG, here and in a browser). Not `node:crypto`:
 * loading that module costs each thread that imports it 4–10 ms of CPU at start.
 */

/** `bytes` random bytes as lowercase hex. */
export function randomHex(bytes: number): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('hex');
}

/** A random unsigned 64-bit integer. */
export function randomUint64(): bigint {
  return crypto.getRandomValues(new BigUint64Array(1))[0]!;
}
