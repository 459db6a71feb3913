/**
 * docs/bus.md stays in step with the code (STYLE 1C.4): its topic table lists exactly the keys
 * of `Topics`, its request table exactly those of `Requests`, its error table exactly the
 * catalogued codes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as busErrors from '../../src/bus/errors.js';
import * as actorErrors from '../../src/runtime/errors.js';

const docs = readFileSync(new URL('../../docs/bus.md', import.meta.url), 'utf8');
const topicsSource = readFileSync(new URL('../../src/bus/topics.ts', import.meta.url), 'utf8');

/** The quoted keys of `export interface <name> { ... }` in topics.ts (one key per line). */
function interfaceKeys(name: string): string[] {
  const body = new RegExp(`export interface ${name} \\{\\n([\\s\\S]*?)\\n\\}`).exec(topicsSource)?.[1];
  if (body === undefined) throw new Error(`interface ${name} not found in topics.ts`);
  return [...body.matchAll(/^ {2}'([^']+)':/gm)].map((m) => m[1]!).sort();
}

/** First-column `code` names of the table under the heading `## <heading>` in docs/bus.md. */
function tableNames(heading: string): string[] {
  const section = docs.split(/^## /m).find((s) => s.startsWith(`${heading}\n`));
  if (section === undefined) throw new Error(`docs/bus.md has no "## ${heading}" section`);
  return [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!).sort();
}

describe('docs/bus.md', () => {
  it('lists every topic, and nothing else', () => {
    expect(interfaceKeys('Topics')).toContain('actor.status');
    expect(tableNames('Topics')).toEqual(interfaceKeys('Topics'));
  });

  it('lists every request, and nothing else', () => {
    expect(tableNames('Requests')).toEqual(interfaceKeys('Requests'));
  });

  it('lists every error code, and nothing else', () => {
    const codes = [...Object.values(busErrors), ...Object.values(actorErrors)].map((def) => def.code).sort();
    expect(tableNames('Error codes')).toEqual(codes);
  });
});
