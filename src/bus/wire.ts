/**
 * Every message that crosses a bus port, in one place (STYLE 1B.1). A worker's bus talks to the
 * main-thread hub over its own MessagePort; these unions are the whole vocabulary. A message
 * with an unknown `kind` is a protocol violation; one with no `kind` is ignored.
 */
import type { WireError } from '../errors.js';

/** Bumped when the shapes below change incompatibly. */
export const BUS_PROTOCOL = 1;

export interface Envelope {
  v: typeof BUS_PROTOCOL;
  topic: string;
  /** Per-source sequence number, from 1. */
  seq: number;
  /** Who published: an actor name, or 'main'. */
  src: string;
  /** The payload, typed by the topic table (`Topics[topic]`). */
  payload: unknown;
  /**
   * Buffers handed over with the payload. Sent in the same structured clone, so on the
   * receiving side they are the very buffers inside `payload` and can be handed on again.
   */
  transfer?: ArrayBuffer[];
}

export type ResponseMessage =
  | { kind: 'response'; id: number; ok: true; payload: unknown }
  | { kind: 'response'; id: number; ok: false; error: WireError };

/** Worker -> hub. */
export type ToHub =
  | { kind: 'publish'; envelope: Envelope }
  | { kind: 'subscribe'; topic: string }
  | { kind: 'unsubscribe'; topic: string }
  | { kind: 'serve'; name: string }
  | { kind: 'unserve'; name: string }
  | { kind: 'request'; id: number; name: string; payload: unknown }
  | { kind: 'cancel'; id: number }
  | ResponseMessage
  /** Round trip: the hub answers `synced` after everything sent before it is registered. */
  | { kind: 'sync'; id: number };

/** Hub -> worker. */
export type FromHub =
  | { kind: 'deliver'; envelope: Envelope }
  | { kind: 'request'; id: number; name: string; payload: unknown }
  | ResponseMessage
  | { kind: 'synced'; id: number };

/** The message's `kind`, or undefined for messages that are not ours (ignored). */
export function kindOf(message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const kind = (message as { kind?: unknown }).kind;
  return typeof kind === 'string' ? kind : undefined;
}

/**
 * The buffers of a transfer list that can really be transferred: SharedArrayBuffers are shared,
 * not transferred (Node rejects them in a transfer list), and duplicates are dropped.
 */
export function transferableBuffers(list: readonly ArrayBufferLike[] | undefined): ArrayBuffer[] {
  if (list === undefined || list.length === 0) return [];
  const unique = new Set<ArrayBuffer>();
  for (const buffer of list) {
    if (buffer instanceof ArrayBuffer) unique.add(buffer);
  }
  return [...unique];
}
