/**
 * The small fixed-field messages — Session, Listener, Result — checked with zod schemas whose
 * reasons name the field, after resolving the original's serde aliases.
 */
import { z } from 'zod';
import type { ListenerMessage, ResultMessage, SessionMessage } from '../messages.js';
import { describeJson, fieldPath, isNanStandIn, isPlainObject } from '../json.js';
import { integralFloatPaths } from '../float-lexemes.js';
import { type Message, type Validated, expected, optionalJsonObject, zodCheck } from './validated.js';

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

// zod schemas of the fixed-field shapes, with reasons that name the field

const requiredString = z.string({ error: (issue) => expected('a string', issue.input) });
const optionalString = z.string({ error: (issue) => expected('a string or null', issue.input) }).nullish();
const requiredBoolean = z.boolean({ error: (issue) => expected('true or false', issue.input) });
/** Any float64 including ±Infinity and NaN (zod's z.number() refuses non-finite values). */
const optionalNumber = z
  .custom<number>((value) => typeof value === 'number', {
    error: (issue) => expected('a number or null', issue.input),
  })
  .transform((value) => (isNanStandIn(value) ? NaN : value))
  .nullish();

const HYPHENATED_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SIMPLE_UUID = /^[0-9a-f]{32}$/i;
const optionalUuid = z
  .string({ error: (issue) => expected('a UUID string or null', issue.input) })
  .refine((text) => isUuidText(text), { error: 'not a valid UUID' })
  .nullish();

/** The forms serde's `Uuid` accepts: hyphenated, simple (32 hex), `urn:uuid:…`, `{…}`. */
function isUuidText(text: string): boolean {
  if (text.startsWith('{') && text.endsWith('}')) return HYPHENATED_UUID.test(text.slice(1, -1));
  const body = /^urn:uuid:/i.test(text) ? text.slice('urn:uuid:'.length) : text;
  return HYPHENATED_UUID.test(body) || SIMPLE_UUID.test(body);
}

export const SessionEnvelopeSchema = z.object({
  info: z.unknown().optional(),
  start_time: optionalString,
  end_time: optionalString,
  uuid: optionalUuid,
});

export const SessionInfoSchema = z.object({
  name: requiredString,
  email: requiredString,
  session_name: requiredString,
  session_description: requiredString,
  meta: z.unknown().optional(),
});

export const ListenerSchema = z.object({ name: requiredString, id: requiredString });

export const ResultSchema = z.object({
  result_name: requiredString,
  result_description: requiredString,
  result_status: requiredBoolean,
  result_value: optionalNumber,
  result_lower_bound: optionalNumber,
  result_upper_bound: optionalNumber,
  result_meta: z.unknown().optional(),
});

// Session, Listener, Result

// Where the JSON objects whose number types are kept sit in the line (aliases do not apply).
const SESSION_META_AT = ['info', 'meta'];
const RESULT_META_AT = ['result_meta'];

export function validateSession(message: Message, line: string): Validated<SessionMessage> {
  const envelope = zodCheck(SessionEnvelopeSchema, message, '');
  if (!envelope.ok) return envelope;
  if (!isPlainObject(message.info)) {
    return { ok: false, reason: `info: expected an object, got ${describeJson(message.info)}` };
  }
  const aliased = resolveAliases(message.info, SESSION_INFO_ALIASES, 'info');
  if (!aliased.ok) return aliased;
  const info = zodCheck(SessionInfoSchema, aliased.value, 'info');
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
  const listener = zodCheck(ListenerSchema, message, '');
  if (!listener.ok) return listener;
  return { ok: true, value: { name: listener.value.name, id: listener.value.id } };
}

export function validateResult(message: Message, line: string): Validated<ResultMessage> {
  const aliased = resolveAliases(message, RESULT_ALIASES, '');
  if (!aliased.ok) return aliased;
  const fields = zodCheck(ResultSchema, aliased.value, '');
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
