/**
 * The error mechanism every area shares (STYLE 2.4): errors carry a stable `code`, are made by
 * factories declared with `defineError`, and cross threads as plain data (`toWire`/`fromWire`),
 * because structured clone keeps only name, message and stack of an Error (node #37988).
 *
 * Identity is the `code`, never `instanceof`: an error rebuilt from the wire, or made in another
 * realm, is still recognised by `errorCode(e) === DEF.code` or `DEF.is(e)`.
 * Each area lists its codes in its own `errors.ts` (bus: src/bus/errors.ts,
 * actors and supervisor: src/runtime/errors.ts).
 */

/** An Error with a stable code. `statusCode` is the HTTP status the gateway maps it to. */
export interface RexError extends Error {
  code: string;
  statusCode?: number;
}

/** The plain-data form of any thrown value, safe to post across threads and to log as JSON. */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  stack?: string;
  statusCode?: number;
  cause?: WireError;
}

/** A factory for one catalogued error; `DEF(...args)` creates it, `DEF.code` names it. */
export interface ErrorDefinition<Args extends unknown[]> {
  (...args: Args): RexError;
  readonly code: string;
  readonly statusCode: number | undefined;
  /** True when `e` carries this code (works across threads and realms). */
  is(e: unknown): e is RexError;
}

const CODE_PATTERN = /^REX_[A-Z0-9]+_[A-Z0-9_]+$/;

/**
 * Declare a catalogued error. `message` builds the text from typed arguments, e.g.
 * `defineError('REX_BUS_NO_SERVER', (name: string) => \`no server for "${name}"\`)`.
 * Chain a cause with `withCause(DEF(...), cause)`.
 */
export function defineError<Args extends unknown[]>(
  code: string,
  message: (...args: Args) => string,
  statusCode?: number,
): ErrorDefinition<Args> {
  if (!CODE_PATTERN.test(code)) throw new Error(`error code "${code}" must look like REX_<AREA>_<NAME>`);
  const create = (...args: Args): RexError => {
    const err = new Error(message(...args)) as RexError;
    err.name = 'RexError';
    err.code = code;
    if (statusCode !== undefined) err.statusCode = statusCode;
    return err;
  };
  return Object.assign(create, {
    code,
    statusCode,
    is: (e: unknown): e is RexError => errorCode(e) === code,
  });
}

/** Attach a cause to an error (kept by `toWire`) and return it, for one-line `throw withCause(E(x), e)`. */
export function withCause<E extends Error>(err: E, cause: unknown): E {
  Object.defineProperty(err, 'cause', { value: cause, enumerable: false, writable: true, configurable: true });
  return err;
}

/** The message of the innermost cause: why, under wrappers such as the supervisor's REX_ACTOR_BOOT_FAILED. */
export function innermostMessage(error: unknown): string {
  let current = error as (Error & { cause?: unknown }) | undefined;
  while (current?.cause instanceof Error) current = current.cause as Error & { cause?: unknown };
  return current?.message ?? String(error);
}

/** The `code` of any thrown value, if it has a string one (Node's own errors have codes too). */
export function errorCode(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

const MAX_CAUSE_DEPTH = 8;

/** Plain-data form of anything thrown (an Error, a string, an object, undefined). */
export function toWire(e: unknown, depth = 0): WireError {
  if (e instanceof Error || isErrorLike(e)) {
    const source = e as Error & { code?: unknown; statusCode?: unknown; cause?: unknown };
    const wire: WireError = { name: String(source.name), message: String(source.message) };
    if (typeof source.code === 'string') wire.code = source.code;
    if (typeof source.stack === 'string') wire.stack = source.stack;
    if (typeof source.statusCode === 'number') wire.statusCode = source.statusCode;
    if (source.cause !== undefined && depth < MAX_CAUSE_DEPTH) wire.cause = toWire(source.cause, depth + 1);
    return wire;
  }
  return { name: 'NonError', message: describeNonError(e) };
}

/** Rebuild an Error from its wire form: same name, message, code, stack and cause chain. */
export function fromWire(wire: WireError): RexError | Error {
  const err = new Error(wire.message) as Error & Partial<RexError>;
  err.name = wire.name;
  if (wire.code !== undefined) err.code = wire.code;
  if (wire.statusCode !== undefined) err.statusCode = wire.statusCode;
  // The remote stack says where it really failed; the local one would point at this function.
  if (wire.stack !== undefined) err.stack = wire.stack;
  if (wire.cause !== undefined) withCause(err, fromWire(wire.cause));
  return err;
}

/** True for a value that looks like a WireError (for validating messages from other threads). */
export function isWireError(value: unknown): value is WireError {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.name === 'string' && typeof v.message === 'string';
}

function isErrorLike(e: unknown): boolean {
  // Errors from another realm (vm, or a clone) fail instanceof but keep this shape.
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as { message?: unknown }).message === 'string' &&
    typeof (e as { name?: unknown }).name === 'string'
  );
}

function describeNonError(e: unknown): string {
  if (typeof e === 'string') return e;
  try {
    const json = JSON.stringify(e);
    return json === undefined ? String(e) : json;
  } catch {
    return String(e);
  }
}
