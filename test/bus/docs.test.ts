/**
 * docs/bus.md stays in step with the code (STYLE 1C.4): its topic table lists exactly the
 * topics of the table in src/bus/topics.ts, its request table exactly the requests, its error
 * table exactly the catalogued codes; the test-only topics and requests (test/fixtures/actors)
 * have their own table.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as busErrors from '../../src/bus/errors.js';
import { requests, topics } from '../../src/bus/topics.js';
import * as actorErrors from '../../src/runtime/errors.js';
import { testRequests, testTopics } from '../fixtures/actors/test-topics.js';

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

  it('lists the test topics and requests apart, and nothing else', () => {
    const section = docs.split(/^## /m).find((s) => s.startsWith('Test topics and fixture actors\n')) ?? '';
    const listed = (kind: 'topic' | 'request') =>
      [...section.matchAll(new RegExp(`^\\| ${kind} \`([^\`]+)\` \\|`, 'gm'))].map((m) => m[1]!).sort();
    const testOnly = (table: object, own: object) =>
      Object.keys(table)
        .filter((name) => !(name in own))
        .sort();
    expect(listed('topic')).toEqual(testOnly(testTopics, topics));
    expect(listed('request')).toEqual(testOnly(testRequests, requests));
    expect(listed('topic')).toContain('test.ping');
  });

  it('lists every error code, and nothing else', () => {
    const codes = [...Object.values(busErrors), ...Object.values(actorErrors)].map((def) => def.code).sort();
    expect(tableNames('Error codes')).toEqual(codes);
  });
});
