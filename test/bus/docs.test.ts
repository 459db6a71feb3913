/**
 * docs/bus.md stays in step with the code (STYLE 1C.4): its topic table lists exactly the
 * topics of the table in src/bus/topics.ts, its request table exactly the requests, its error
 * table exactly the catalogued codes. Test-only topics (test/fixtures/actors) are not listed.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as busErrors from '../../src/bus/errors.js';
import { requests, topics } from '../../src/bus/topics.js';
import * as actorErrors from '../../src/runtime/errors.js';

const docs = readFileSync(new URL('../../docs/bus.md', import.meta.url), 'utf8');

/** First-column `code` names of the table under the heading `## <heading>` in docs/bus.md. */
function tableNames(heading: string): string[] {
  const section = docs.split(/^## /m).find((s) => s.startsWith(`${heading}\n`));
  if (section === undefined) throw new Error(`docs/bus.md has no "## ${heading}" section`);
  return [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!).sort();
}

describe('docs/bus.md', () => {
  it('lists every topic, and nothing else', () => {
    expect(Object.keys(topics)).toContain('actor.status');
    expect(tableNames('Topics')).toEqual(Object.keys(topics).sort());
  });

  it('lists every request, and nothing else', () => {
    expect(tableNames('Requests')).toEqual(Object.keys(requests).sort());
  });

  it('lists every error code, and nothing else', () => {
    const codes = [...Object.values(busErrors), ...Object.values(actorErrors)].map((def) => def.code).sort();
    expect(tableNames('Error codes')).toEqual(codes);
  });
});
