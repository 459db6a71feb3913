/**
 * The body of `POST /run` (SPEC §8): the original's `RunArgs` as JSON, plus what this project
 * accepts beyond it (`port` as a number, `output` optional, `meta_json` as an object). Pure. This
 * one schema validates the body (fastify-type-provider-zod), gives the handler its normalised
 * `RunRequest`, and describes the body in the OpenAPI document (@fastify/swagger).
 *
 * Every optional field may also be `null` (the original's own client sends `"email": null`).
 * Unknown fields are ignored, as the original ignored them; they are reported so a typo is seen.
 */
import { z } from 'zod';
import { convertProvidedConfigJson } from '../../protocol/provided-config.js';
import { isJsonArgument } from '../../protocol/provided-config-argument.js';
import { MAX_META_JSON_DEPTH, metaJsonDepthProblem } from '../../protocol/session-meta.js';
import { describeInput, describeProblems, expected, type ValidationMessage } from './validation-message.js';

const PORT_TEXT = 'a port number 1-65535 (number or digit string)';
const portSchema = z
  .union([z.number(), z.string()], expected(PORT_TEXT))
  .refine((value) => {
    const port = typeof value === 'number' ? value : /^\d{1,5}$/.test(value) ? Number(value) : NaN;
    return Number.isInteger(port) && port >= 1 && port <= 65535;
  }, expected(PORT_TEXT))
  .describe("The run's TCP port for the script (REX_PORT); a busy port falls back to a free one. Default: config general.port (7676).");

/** A string that is not blank and has no NUL byte (no path or argument can); each failure says what was expected. */
const nonBlank = (what: string) =>
  z
    .string(expected(what))
    .refine((s) => s.trim() !== '', expected(what))
    .refine((s) => !s.includes('\0'), expected(`${what}, without a NUL byte`));

const RUN_ARGS = {
  path: nonBlank('the script to run, a non-empty string').describe(
    'The experiment script: a path relative to the scripts directory (GET /allowed_scripts), or an absolute path inside it.',
  ),
  output: nonBlank('a directory, a non-empty string')
    .nullish()
    .describe(
      'Directory for the output files; must be inside an allowed output directory (GET /allowed_output_dirs). Default: the first of those.',
    ),
  email: nonBlank('an e-mail address').nullish().describe('E-mail the results to this address when the run ends.'),
  delay: z
    .number(expected('minutes, a number ≥ 0'))
    .min(0, expected('minutes, a number ≥ 0'))
    .nullish()
    .describe('Minutes to wait before the first loop (default 0).'),
  loops: z
    .number(expected('a whole number ≥ 1'))
    .int(expected('a whole number ≥ 1'))
    .min(1, expected('a whole number ≥ 1'))
    .max(1_000_000, expected('a whole number ≥ 1'))
    .nullish()
    .describe('Run the script this many times, one output file each (default 1).'),
  dry_run: z.boolean(expected('true or false')).nullish().describe('No output file, no database, no e-mail (default false).'),
  interactive: z
    .boolean(expected('true or false'))
    .nullish()
    .describe('Accepted for compatibility with the original and ignored: a run started over HTTP has no terminal.'),
  port: portSchema.nullish(),
  config: nonBlank('a config file path or a JSON object as text')
    .nullish()
    .describe(
      'Session config for the script, as `rex run --config`: JSON text such as \'{"name": "Jane"}\', or a TOML file in the scripts directory (a path relative to it, or an absolute path inside it).',
    ),
  meta_json: z
    .union([z.string(), z.record(z.string(), z.unknown())], expected('a JSON object, or its text'))
    .nullish()
    .describe(
      `Merged into the session's meta, as \`rex run --meta-json\`: a JSON object or its text, nested at most ${MAX_META_JSON_DEPTH} levels.`,
    ),
};
const KNOWN_FIELDS = new Set(Object.keys(RUN_ARGS));
export const RUN_BODY_EXPECTED = 'a JSON object such as {"path": "scan.py"}';

/** A valid request, normalised: defaults filled in, `meta_json` as JSON text, paths not yet checked. */
export interface RunRequest {
  path: string;
  output?: string;
  email?: string;
  delayMinutes: number;
  loops: number;
  dryRun: boolean;
  interactive: boolean;
  port?: number;
  config?: string;
  metaJson?: string;
  /** Fields the body had that mean nothing here. */
  ignoredFields: string[];
}

export const RunRequestSchema = z
  // Loose: unknown fields pass through to the transform, which names them instead of failing.
  .looseObject(RUN_ARGS, expected(RUN_BODY_EXPECTED))
  .transform((value, context): RunRequest => {
    const metaJson = normaliseMetaJson(value.meta_json);
    if (typeof metaJson === 'object') {
      context.issues.push({ code: 'custom', path: ['meta_json'], message: metaJson.problem, input: value.meta_json });
      return z.NEVER;
    }
    const configProblem = value.config != null ? checkConfigArgument(value.config) : undefined;
    if (configProblem) {
      context.issues.push({ code: 'custom', path: ['config'], message: configProblem, input: value.config });
      return z.NEVER;
    }
    const request: RunRequest = {
      path: value.path,
      delayMinutes: value.delay ?? 0,
      loops: value.loops ?? 1,
      dryRun: value.dry_run ?? false,
      interactive: value.interactive ?? false,
      ignoredFields: Object.keys(value).filter((key) => !KNOWN_FIELDS.has(key)),
    };
    if (value.output != null) request.output = value.output;
    if (value.email != null) request.email = value.email;
    if (value.port != null) request.port = Number(value.port);
    if (value.config != null) request.config = value.config;
    if (metaJson !== undefined) request.metaJson = metaJson;
    return request;
  })
  .describe('Start a run (one at a time).');

export type RunRequestBody = z.input<typeof RunRequestSchema>;

export type ParsedRunRequest = { ok: true; request: RunRequest } | ({ ok: false } & ValidationMessage);

/** The schema outside fastify, with the message the API would answer. */
export function parseRunRequest(body: unknown): ParsedRunRequest {
  const result = RunRequestSchema.safeParse(body);
  return result.success ? { ok: true, request: result.data } : { ok: false, ...describeProblems(result.error.issues) };
}

function normaliseMetaJson(meta: string | Record<string, unknown> | null | undefined): string | undefined | { problem: string } {
  if (meta == null) return undefined;
  if (typeof meta !== 'string') {
    const tooDeep = metaJsonDepthProblem(meta);
    return tooDeep ? { problem: tooDeep } : JSON.stringify(meta);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(meta);
  } catch (error) {
    return { problem: `not valid JSON: ${(error as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { problem: `expected a JSON object such as {"sample_id": "S1"}, got ${describeInput(parsed)}` };
  }
  const tooDeep = metaJsonDepthProblem(parsed);
  return tooDeep ? { problem: tooDeep } : meta;
}

/** JSON config text is checked here, as `rex run` would, so the mistake is answered with a 400. */
function checkConfigArgument(config: string): string | undefined {
  if (!isJsonArgument(config)) return undefined;
  try {
    convertProvidedConfigJson(config);
    return undefined;
  } catch (error) {
    return (error as Error).message.replace(/^--config: /, '');
  }
}
