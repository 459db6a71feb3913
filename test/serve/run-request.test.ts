/**
 * The body of POST /run: what the original's clients send is accepted, and every mistake is
 * answered with a message that names the field.
 */
import { describe, expect, it } from 'vitest';
import { parseRunRequest } from '../../src/runtime/run-control/run-request.js';

describe('parseRunRequest', () => {
  it("accepts the original client's body, nulls included, and fills in the defaults", () => {
    // What the original's HTTPTransport::rerun sends.
    const parsed = parseRunRequest({
      path: 'scan.py',
      config: null,
      output: '/data',
      dry_run: false,
      email: null,
      delay: 0,
      loops: 1,
      interactive: false,
      port: null,
      meta_json: null,
    });
    expect(parsed).toEqual({
      ok: true,
      request: { path: 'scan.py', output: '/data', delayMinutes: 0, loops: 1, dryRun: false, interactive: false, ignoredFields: [] },
    });
    expect(parseRunRequest({ path: 'scan.py' })).toEqual({
      ok: true,
      request: { path: 'scan.py', delayMinutes: 0, loops: 1, dryRun: false, interactive: false, ignoredFields: [] },
    });
  });

  it('takes port as a number or a digit string', () => {
    for (const port of [7700, '7700']) {
      const parsed = parseRunRequest({ path: 'scan.py', port });
      expect(parsed.ok && parsed.request.port).toBe(7700);
    }
  });

  it('takes meta_json as JSON text or as an object, and passes it on as text', () => {
    const asText = parseRunRequest({ path: 's.py', meta_json: '{"sample_id": "S1"}' });
    const asObject = parseRunRequest({ path: 's.py', meta_json: { sample_id: 'S1', nested: { a: [1, 2] } } });
    expect(asText.ok && asText.request.metaJson).toBe('{"sample_id": "S1"}');
    expect(asObject.ok && JSON.parse(asObject.request.metaJson!)).toEqual({ sample_id: 'S1', nested: { a: [1, 2] } });
  });

  it('reports unknown fields instead of failing on them (the original ignored them)', () => {
    const parsed = parseRunRequest({ path: 's.py', dryrun: true, colour: 'red' });
    expect(parsed.ok && parsed.request.ignoredFields).toEqual(['dryrun', 'colour']);
  });

  it.each([
    [{}, ['path'], /^path: expected the script to run, a non-empty string, got nothing$/],
    [{ path: '  ' }, ['path'], /^path: expected the script to run/],
    [{ path: 's.py', loops: 0 }, ['loops'], /^loops: expected a whole number ≥ 1, got 0$/],
    [{ path: 's.py', loops: 1.5 }, ['loops'], /^loops: expected a whole number ≥ 1, got 1.5$/],
    [{ path: 's.py', delay: -1 }, ['delay'], /^delay: expected minutes, a number ≥ 0, got -1$/],
    [{ path: 's.py', delay: '5' }, ['delay'], /^delay: expected minutes, a number ≥ 0, got "5"$/],
    [{ path: 's.py', port: 'abc' }, ['port'], /^port: expected a port number 1-65535 \(number or digit string\), got "abc"$/],
    [{ path: 's.py', port: 70000 }, ['port'], /^port: expected a port number/],
    [{ path: 's.py', dry_run: 'yes' }, ['dry_run'], /^dry_run: expected true or false, got "yes"$/],
    [
      { path: 's.py', meta_json: '[1, 2]' },
      ['meta_json'],
      /^meta_json: expected a JSON object such as \{"sample_id": "S1"\}, got an array$/,
    ],
    [{ path: 's.py', meta_json: '{oops' }, ['meta_json'], /^meta_json: not valid JSON/],
    [{ path: 's.py', config: '{"devices": 3}' }, ['config'], /^config: /],
    [{ path: 3, loops: 'x' }, ['path', 'loops'], /^path: .*; loops: /],
  ])('refuses %j, naming %j', (body, fields, message) => {
    const parsed = parseRunRequest(body);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.fields).toEqual(fields);
    expect(parsed.message).toMatch(message);
  });

  it.each([[null], [[1, 2]], ['scan.py'], [undefined]])('refuses a body that is not an object: %j', (body) => {
    const parsed = parseRunRequest(body);
    expect(parsed).toMatchObject({ ok: false, fields: ['body'] });
    expect(!parsed.ok && parsed.message).toMatch(/^body: expected a JSON object such as \{"path": "scan.py"\}/);
  });
});
