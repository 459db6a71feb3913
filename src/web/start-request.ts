/**
 * The Start form's request: the draft as typed, the few checks that mirror `POST /run`'s own
 * (loops a whole number ≥ 1, meta a JSON object; same wording as the server), the JSON body, and
 * the answer sorted by what the page shows. The server stays the judge of everything else.
 */
import { Unauthorized, apiUrl, authHeaders } from './api';

export interface Draft {
  script: string;
  dir: string;
  subdir: string;
  loops: string;
  delay: string;
  dryRun: boolean;
  meta: string;
  config: string;
  email: string;
}

/** Messages by the request's field name (`loops`, `meta_json`, ...); `other` for the rest. */
export type FieldProblems = Partial<Record<string, string>>;

export type StartAnswer =
  | { kind: 'started'; id: string }
  | { kind: 'busy'; message: string }
  | { kind: 'refused'; problems: FieldProblems }
  | { kind: 'one-run' }
  | { kind: 'failed'; message: string };

export function checkDraft(draft: Draft): FieldProblems {
  const problems: FieldProblems = {};
  const loops = draft.loops.trim();
  if (loops !== '' && !(/^\d+$/.test(loops) && Number(loops) >= 1)) {
    problems.loops = `loops: expected a whole number ≥ 1, got ${JSON.stringify(loops)}`;
  }
  if (draft.meta.trim() !== '') {
    try {
      const meta: unknown = JSON.parse(draft.meta);
      if (meta === null || typeof meta !== 'object' || Array.isArray(meta))
        problems.meta_json = 'meta_json: expected a JSON object such as {"sample_id": "S1"}';
    } catch (error) {
      problems.meta_json = `meta_json: not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  return problems;
}

/** The body of `POST /run`; empty fields are left out (the server's defaults apply). */
export function runBody(draft: Draft): Record<string, unknown> {
  const subdir = draft.subdir.trim().replace(/^\/+/, '');
  const body: Record<string, unknown> = { path: draft.script, dry_run: draft.dryRun };
  if (draft.dir !== '') body.output = subdir === '' ? draft.dir : `${draft.dir.replace(/\/+$/, '')}/${subdir}`;
  // A number the browser cannot read is sent as typed, for the server to name.
  const number = (text: string): unknown => (Number.isFinite(Number(text)) ? Number(text) : text);
  if (draft.loops.trim() !== '') body.loops = number(draft.loops.trim());
  if (draft.delay.trim() !== '') body.delay = number(draft.delay.trim());
  if (draft.meta.trim() !== '') body.meta_json = draft.meta;
  if (draft.config.trim() !== '') body.config = draft.config;
  if (draft.email.trim() !== '') body.email = draft.email.trim();
  return body;
}

/**
 * Each field's part of an error message: the server joins one message per field with `; `, each
 * starting with its field's name (a message may hold `; ` itself). What names no field is `other`.
 */
export function problemsOf(message: string, fields: string[]): FieldProblems {
  const problems: FieldProblems = {};
  const names = fields.map((f) => f.replace(/[^\w]/g, '\\$&')).join('|');
  const parts = names === '' ? [message] : message.split(new RegExp(`; (?=(?:${names}):)`));
  for (const field of fields) {
    const own = parts.filter((p) => p.startsWith(`${field}:`));
    if (own.length > 0) problems[field] = own.join('; ');
  }
  if (Object.keys(problems).length === 0) problems[fields[0] ?? 'other'] = message;
  return problems;
}

export async function sendRun(draft: Draft): Promise<StartAnswer> {
  const response = await fetch(apiUrl('/run'), {
    method: 'POST',
    headers: authHeaders({ 'Content-Type': 'application/json' }),
    body: JSON.stringify(runBody(draft)),
  });
  const text = await response.text();
  if (response.status === 401) throw new Unauthorized(text);
  if (response.status === 409) return { kind: 'one-run' };
  let json: { id?: unknown; message?: unknown; fields?: unknown } = {};
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    // Not JSON (a proxy's page): its text is the message.
  }
  const message = typeof json.message === 'string' ? json.message : text || `HTTP ${response.status}`;
  if (response.ok) {
    if (json.id === 'None') return { kind: 'busy', message };
    if (typeof json.id === 'string') return { kind: 'started', id: json.id };
    return { kind: 'failed', message };
  }
  const fields = Array.isArray(json.fields) ? json.fields.filter((f): f is string => typeof f === 'string') : [];
  return { kind: 'refused', problems: problemsOf(message, fields) };
}
