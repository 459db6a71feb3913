/**
 * The last bytes a script wrote to stderr, kept for the output's run record (`stderr_tail`): a
 * fixed ring of bytes, so a script that prints gigabytes costs no more memory than one that
 * prints a traceback.
 */

/** How much of the end of the script's stderr is kept. */
export const STDERR_TAIL_BYTES = 64 * 1024;

export class ByteTail {
  private readonly ring: Buffer;
  /** Bytes ever written; the ring holds the last `min(total, capacity)` of them. */
  private total = 0;

  constructor(readonly capacity = STDERR_TAIL_BYTES) {
    this.ring = Buffer.alloc(capacity);
  }

  write(chunk: Uint8Array): void {
    const { capacity, ring } = this;
    // Only the chunk's last `capacity` bytes can survive it.
    const part = chunk.length > capacity ? chunk.subarray(chunk.length - capacity) : chunk;
    const at = (this.total + chunk.length - part.length) % capacity;
    const first = Math.min(part.length, capacity - at);
    ring.set(part.subarray(0, first), at);
    ring.set(part.subarray(first), 0);
    this.total += chunk.length;
  }

  /**
   * The kept bytes as text: when the start was dropped, from the first whole line on (or the
   * first whole character, for one line longer than the ring); invalid UTF-8 becomes U+FFFD, and
   * the text still fits `capacity` bytes. Empty when nothing was written.
   */
  text(): string {
    const { capacity, ring, total } = this;
    if (total <= capacity) return fitUtf8(ring.subarray(0, total).toString('utf8'), capacity);
    const at = total % capacity;
    const bytes = Buffer.concat([ring.subarray(at), ring.subarray(0, at)]);
    return fitUtf8(bytes.toString('utf8'), capacity, true);
  }
}

/**
 * `text` in at most `capacity` UTF-8 bytes (a replacement character, 3 bytes, may stand for one
 * invalid byte), cut at a line start when `cut` (the true start is gone) or when it had to shrink.
 */
function fitUtf8(text: string, capacity: number, cut = false): string {
  let bytes = Buffer.from(text, 'utf8');
  if (bytes.length > capacity) {
    bytes = bytes.subarray(bytes.length - capacity);
    cut = true;
  }
  if (!cut) return text;
  const newline = bytes.indexOf(0x0a);
  let start = newline >= 0 && newline < bytes.length - 1 ? newline + 1 : 0;
  // One line longer than all that is kept: from its first whole character.
  while (start < bytes.length && (bytes[start]! & 0xc0) === 0x80) start++;
  return bytes.subarray(start).toString('utf8');
}
