/**
 * Session validation (SPEC §3.4): each key listed in `general.validations` must be present and
 * non-empty in `info.meta`. Strings must be non-blank, arrays and tables non-empty; numbers and
 * booleans always pass. Returns the reason it fails, or null.
 */
import type { JsonObject } from '../../protocol/messages.js';

export function validateSessionMeta(
  meta: JsonObject | undefined | null,
  requiredKeys: readonly string[],
  sessionSeen: boolean,
): string | null {
  if (requiredKeys.length === 0) return null;
  if (!sessionSeen) return 'no session message was received';
  const problems: string[] = [];
  for (const key of requiredKeys) {
    const value = meta?.[key];
    if (value === undefined || value === null) problems.push(`meta key \`${key}\` is missing or null`);
    else if (typeof value === 'string' && value.trim() === '') problems.push(`meta key \`${key}\` is blank`);
    else if (Array.isArray(value) && value.length === 0) problems.push(`meta key \`${key}\` is an empty array`);
    else if (typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0)
      problems.push(`meta key \`${key}\` is an empty table`);
  }
  return problems.length === 0 ? null : problems.join('; ');
}
