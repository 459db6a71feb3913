/**
 * CRC-32 of a concatenation from the CRCs of its parts: `crc32(a ‖ b)` from `crc32(a)`,
 * `crc32(b)` and `b.length`, in O(log length) (the GF(2) matrix method zlib's crc32_combine uses;
 * Node does not expose it). It lets the parse pool checksum a big line's body on its own thread:
 * the ingest thread then only checksums the 24 header bytes that precede the body in the record.
 */

/** The reflected CRC-32 polynomial (zlib, PNG, Ethernet): what `zlib.crc32` computes. */
const POLYNOMIAL = 0xedb88320;

/** `crc32(a ‖ b)` given `crcA = crc32(a)`, `crcB = crc32(b)` and `lengthB = b.length`. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  if (lengthB <= 0) return crcA >>> 0;
  // The operator that appends one zero bit to a CRC, then squared to append 2, 4, 8... bits.
  let odd = new Uint32Array(32);
  let even = new Uint32Array(32);
  odd[0] = POLYNOMIAL;
  for (let n = 1; n < 32; n++) odd[n] = 1 << (n - 1);
  square(even, odd); // two zero bits
  square(odd, even); // four zero bits
  // Append lengthB zero bytes to crcA, one bit of lengthB at a time (the first square: one byte).
  let crc = crcA >>> 0;
  let remaining = lengthB;
  while (remaining > 0) {
    square(even, odd);
    [odd, even] = [even, odd];
    if (remaining % 2 === 1) crc = times(odd, crc);
    remaining = Math.floor(remaining / 2);
  }
  return (crc ^ crcB) >>> 0;
}

function times(matrix: Uint32Array, vector: number): number {
  let sum = 0;
  for (let row = 0; vector !== 0; row++, vector >>>= 1) if (vector & 1) sum ^= matrix[row]!;
  return sum >>> 0;
}

function square(target: Uint32Array, matrix: Uint32Array): void {
  for (let n = 0; n < 32; n++) target[n] = times(matrix, matrix[n]!);
}
