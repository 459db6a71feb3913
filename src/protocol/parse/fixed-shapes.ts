/**
 * The small fixed-field messages — Session, Listener, Result — checked field by field, with
 * reasons that name the field, after resolving the original's serde aliases.
 */
import type { ListenerMessage, ResultMessage, SessionMessage } from '../messages.js';
import { describeJson, fieldPath, isNanStandIn, isPlainObject } from '../json.js';
import { integralFloatPaths } from '../float-lexemes.js';
import { type Message, type Validated, expected, optionalJsonObject } from './validated.js';

// Aliases (serde `#[serde(alias)]`): an alias maps to its field; two names of one group → invalid

type AliasGroups = Readonly<Record<string, readonly string[]>>;

const SESSION_INFO_ALIASES: AliasGroups = {
  session_name: ['experiment_name', 'test_name', 'run_name'],
  session_description: ['experiment_description', 'test_description', 'run_description'],
};

const RESULT_ALIASES: AliasGroups = {
  result_upper_bound: ['upper_bound', 'ub'],
  result_lower_bound: ['lower_bound', 'lb'],
};

function resolveAliases(object: Message, groups: AliasGroups, path: string): Validated<Message> {
  let resolved: Message | undefined;
  for (const [field, aliases] of Object.entries(groups)) {
    const given = [field, ...aliases].filter((name) => Object.hasOwn(object, name));
    if (given.length > 1) {
      return {
        ok: false,
        reason: `${fieldPath(path, [field])}: given more than once (as ${given.join(' and ')})`,
      };
    }
    const name = given[0];
    if (name !== undefined && name !== field) {
      resolved ??= { ...object };
      resolved[field] = object[name];
    }
  }
  return { ok: true, value: resolved ?? object };
}

// ---------------------------------------------------------------------------------------------

// The fixed-field shapes, checked field by field in the order given; the first field that does not
// fit is the reason, named by its path. Written out rather than with zod: ingest, store and
// file-writer all read these lines, and zod alone cost each of those threads ~0.1 s to load at
// start (bench/README.md "startup").

/** A field's check: its value (some are mapped), or why it does not fit. */
type FieldCheck<T> = (value: unknown) => Validated<T>;
type Shape = Readonly<Record<string, FieldCheck<unknown>>>;
/** What a shape's check gives: its fields (absent ones undefined). */
type Fields<S extends Shape> = { [K in keyof S]: S[K] extends FieldCheck<infer T> ? T : never };

const fits = <T>(value: T) => ({ ok: true as const, value });
const fails = (reason: string) => ({ ok: false as const, reason });

const requiredString: FieldCheck<string> = (v) => (typeof v === 'string' ? fits(v) : fails(expected('a string', v)));
const optionalString: FieldCheck<string | null | undefined> = (v) =>
  v == null || typeof v === 'string' ? fits(v) : fails(expected('a string or null', v));
const requiredBoolean: FieldCheck<boolean> = (v) => (typeof v === 'boolean' ? fits(v) : fails(expected('true or false', v)));
/** Any float64 including ±Infinity and NaN (sent as the parser's stand-in). */
const optionalNumber: FieldCheck<number | null | undefined> = (v) => {
  if (v == null) return fits(v);
  if (typeof v !== 'number') return fails(expected('a number or null', v));
  return fits(isNanStandIn(v) ? NaN : v);
};
const optionalUuid: FieldCheck<string | null | undefined> = (v) => {
  if (v == null) return fits(v);
  if (typeof v !== 'string') return fails(expected('a UUID string or null', v));
  return isUuidText(v) ? fits(v) : fails('not a valid UUID');
};
const anything: FieldCheck<unknown> = fits;

const HYPHENATED_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SIMPLE_UUID = /^[0-9a-f]{32}$/i;

/** The forms serde's `Uuid` accepts: hyphenated, simple (32 hex), `urn:uuid:…`, `{…}`. */
function isUuidText(text: string): boolean {
  if (text.startsWith('{') && text.endsWith('}')) return HYPHENATED_UUID.test(text.slice(1, -1));
  const body = /^urn:uuid:/i.test(text) ? text.slice('urn:uuid:'.length) : text;
  return HYPHENATED_UUID.test(body) || SIMPLE_UUID.test(body);
}

/** The shape's fields of `input` (others are dropped), or `<field path>: <reason>` of the first that does not fit. */
function checkShape<S extends Shape>(shape: S, input: Message, path: string): Validated<Fields<S>> {
  const out: Record<string, unknown> = {};
  for (const [field, check] of Object.entries(shape)) {
    const value = Object.hasOwn(input, field) ? input[field] : undefined;
    const checked = check(value);
    if (!checked.ok) return { ok: false, reason: `${fieldPath(path, [field])}: ${checked.reason}` };
    out[field] = checked.value;
  }
  return { ok: true, value: out as Fields<S> };
}

const SESSION_ENVELOPE = { info: anything, start_time: optionalString, end_time: optionalString, uuid: optionalUuid };
const SESSION_INFO = {
  name: requiredString,
  email: requiredString,
  session_name: requiredString,
  session_description: requiredString,
  meta: anything,
};
const LISTENER = { name: requiredString, id: requiredString };
const RESULT = {
  result_name: requiredString,
  result_description: requiredString,
  result_status: requiredBoolean,
  result_value: optionalNumber,
  result_lower_bound: optionalNumber,
  result_upper_bound: optionalNumber,
  result_meta: anything,
};

// Session, Listener, Result

// Where the JSON objects whose number types are kept sit in the line (aliases do not apply).
const SESSION_META_AT = ['info', 'meta'];
const RESULT_META_AT = ['result_meta'];

export function validateSession(message: Message, line: string): Validated<SessionMessage> {
  const envelope = checkShape(SESSION_ENVELOPE, message, '');
  if (!envelope.ok) return envelope;
  if (!isPlainObject(message.info)) {
    return { ok: false, reason: `info: expected an object, got ${describeJson(message.info)}` };
  }
  const aliased = resolveAliases(message.info, SESSION_INFO_ALIASES, 'info');
  if (!aliased.ok) return aliased;
  const info = checkShape(SESSION_INFO, aliased.value, 'info');
  if (!info.ok) return info;
  const meta = optionalJsonObject(info.value.meta, 'info.meta');
  if (!meta.ok) return meta;

  const { name, email, session_name, session_description } = info.value;
  const metaFloats = meta.value && integralFloatPaths(line, SESSION_META_AT, meta.value);
  return {
    ok: true,
    value: {
      info: {
        name,
        email,
        session_name,
        session_description,
        ...(meta.value !== undefined && { meta: meta.value }),
        ...(metaFloats !== undefined && { meta_floats: metaFloats }),
      },
    },
  };
}

export function validateListener(message: Message): Validated<ListenerMessage> {
  const listener = checkShape(LISTENER, message, '');
  if (!listener.ok) return listener;
  return { ok: true, value: { name: listener.value.name, id: listener.value.id } };
}

export function validateResult(message: Message, line: string): Validated<ResultMessage> {
  const aliased = resolveAliases(message, RESULT_ALIASES, '');
  if (!aliased.ok) return aliased;
  const fields = checkShape(RESULT, aliased.value, '');
  if (!fields.ok) return fields;
  const meta = optionalJsonObject(fields.value.result_meta, 'result_meta');
  if (!meta.ok) return meta;

  const r = fields.value;
  const result: ResultMessage = {
    result_name: r.result_name,
    result_description: r.result_description,
    result_status: r.result_status,
  };
  if (r.result_value != null) result.result_value = r.result_value;
  if (r.result_lower_bound != null) result.result_lower_bound = r.result_lower_bound;
  if (r.result_upper_bound != null) result.result_upper_bound = r.result_upper_bound;
  if (meta.value !== undefined) {
    result.result_meta = meta.value;
    const metaFloats = integralFloatPaths(line, RESULT_META_AT, meta.value);
    if (metaFloats !== undefined) result.result_meta_floats = metaFloats;
  }
  return { ok: true, value: result };
}

// ---------------------------------------------------------------------------------------------
