/**
 * Validation failures as the API reports them: one message that names each field at fault, e.g.
 * `loops: expected a whole number ≥ 1, got 0`, and the list of those fields. Pure: used by the
 * request schemas' own error texts and by the app's error handler (zod issues reach it through
 * fastify-type-provider-zod).
 */
export interface ValidationMessage {
  message: string;
  fields: string[];
}

/** How a found value is shown in a message. */
export function describeInput(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/** An error text for a zod schema: `expected <what>, got <what came>`. */
export const expected = (what: string) => ({
  error: (issue: { input?: unknown }) => `expected ${what}, got ${describeInput(issue.input)}`,
});

/** Problems (path inside the request part, message) → the API's message; an empty path is the part itself. */
export function describeProblems(problems: readonly { path: readonly PropertyKey[]; message: string }[], part = 'body'): ValidationMessage {
  const named = problems.map((problem) => ({ field: problem.path.map(String).join('.') || part, message: problem.message }));
  return { message: named.map((p) => `${p.field}: ${p.message}`).join('; '), fields: [...new Set(named.map((p) => p.field))] };
}
