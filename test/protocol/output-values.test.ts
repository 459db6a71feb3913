// TOML text of single values and keys: floats that read back bit-identical, escaping, quoting.
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import {
  compareKeys,
  formatFloats,
  tomlFloat,
  tomlHeaderKey,
  tomlInlineValue,
  tomlKey,
  tomlNumber,
  tomlString,
} from '../../src/protocol/output/toml-values.js';

/** Random doubles from random bit patterns: every exponent, subnormals, NaN payloads, ±0, ±Inf. */
function randomDoubles(count: number): Float64Array {
  const bits = new BigUint64Array(count);
  for (let i = 0; i < count; i++) {
    bits[i] = (BigInt(Math.floor(Math.random() * 2 ** 32)) << 32n) | BigInt(Math.floor(Math.random() * 2 ** 32));
  }
  const doubles = new Float64Array(bits.buffer);
  const specials = [
    0,
    -0,
    NaN,
    Infinity,
    -Infinity,
    1e300,
    -1e300,
    5e-324,
    -5e-324,
    2.2250738585072014e-308,
    2.225073858507201e-308,
    Number.MAX_VALUE,
    Number.MIN_SAFE_INTEGER,
    2 ** 53,
    2 ** 53 + 2,
    1e21,
    1e-7,
    123456789012345680000,
    0.1,
    1,
    -1,
  ];
  specials.forEach((v, i) => {
    doubles[i * 7] = v;
  });
  return doubles;
}

const readBack = (text: string): unknown => (parse(`v = ${text}`) as { v: unknown }).v;

describe('tomlFloat', () => {
  it('reads back bit-identical (Object.is) for random doubles incl. subnormals, ±0, NaN, ±Inf', () => {
    const doubles = randomDoubles(20_000);
    for (const x of doubles) {
      const text = tomlFloat(x);
      const back = readBack(text);
      expect(typeof back, text).toBe('number');
      expect(Object.is(back, x), `${x} → ${text} → ${String(back)}`).toBe(true);
    }
  });

  it('always looks like a float', () => {
    expect(tomlFloat(1)).toBe('1.0');
    expect(tomlFloat(-0)).toBe('-0.0');
    expect(tomlFloat(0)).toBe('0.0');
    expect(tomlFloat(1e300)).toBe('1e+300');
    expect(tomlFloat(5e-324)).toBe('5e-324');
    expect(tomlFloat(NaN)).toBe('nan');
    expect(tomlFloat(Infinity)).toBe('inf');
    expect(tomlFloat(-Infinity)).toBe('-inf');
    expect(tomlFloat(123456789012345680000)).toBe('123456789012345680000.0');
    expect(tomlFloat(0.1)).toBe('0.1');
    for (const x of randomDoubles(5000)) expect(tomlFloat(x)).toMatch(/^(-?(\d+\.\d+(e[+-]\d+)?|\d+e[+-]\d+|\d\.\d+e[+-]\d+)|nan|-?inf)$/);
  });

  it('formatFloats writes exactly what tomlFloat writes', () => {
    const plain = Float64Array.from({ length: 1000 }, () => Math.random() - 0.5);
    const mixed = randomDoubles(1000);
    for (const values of [plain, mixed, new Float64Array(0)]) {
      expect(Buffer.from(formatFloats(values, ', ')).toString('latin1')).toBe(Array.from(values, tomlFloat).join(', '));
    }
  });
});

describe('tomlNumber (config and meta numbers)', () => {
  it('integral safe numbers stay integers; everything else is a float', () => {
    expect(tomlNumber(1000)).toBe('1000');
    expect(tomlNumber(-7)).toBe('-7');
    expect(tomlNumber(Number.MAX_SAFE_INTEGER)).toBe('9007199254740991');
    expect(tomlNumber(2 ** 53)).toBe('9007199254740992.0');
    expect(tomlNumber(1.5)).toBe('1.5');
    expect(tomlNumber(-0)).toBe('-0.0');
    expect(tomlNumber(NaN)).toBe('nan');
    expect(readBack(tomlNumber(2 ** 53))).toBe(2 ** 53);
  });
});

describe('tomlString', () => {
  it('escapes quotes, backslashes and control characters and reads back the same', () => {
    const hostile = [
      '',
      'plain',
      'quote " and \\ backslash',
      'tab\tnew\nline\r\b\f',
      '\u0000\u0001\u001f\u007f',
      'unicode é ü 漢字 😀',
      '\u2028\u2029',
      "single ' quote",
      '"""',
      'trailing \\',
    ];
    for (const s of hostile) expect(readBack(tomlString(s)), JSON.stringify(s)).toBe(s);
    expect(tomlString('a"b')).toBe('"a\\"b"');
    expect(tomlString('\u0001')).toBe('"\\u0001"');
    expect(tomlString('\u007f')).toBe('"\\u007f"');
  });

  it('a lone surrogate (not UTF-8-encodable) becomes U+FFFD; pairs are kept', () => {
    expect(readBack(tomlString('a\ud800b'))).toBe('a\ufffdb');
    expect(readBack(tomlString('a\udc00'))).toBe('a\ufffd');
    expect(readBack(tomlString('😀'))).toBe('😀');
  });
});

describe('keys', () => {
  it('bare only when A-Za-z0-9_-, else quoted', () => {
    expect(tomlKey('gate_time')).toBe('gate_time');
    expect(tomlKey('UUID')).toBe('UUID');
    expect(tomlKey('a-b_9')).toBe('a-b_9');
    expect(tomlKey('current (mA)')).toBe('"current (mA)"');
    expect(tomlKey('a.b')).toBe('"a.b"');
    expect(tomlKey('')).toBe('""');
    expect(tomlKey('ü')).toBe('"ü"');
  });

  it('header keys with " or \\ are literal strings when possible (the official reader does not unescape headers)', () => {
    expect(tomlHeaderKey('a"b')).toBe("'a\"b'");
    expect(tomlHeaderKey('C:\\dir')).toBe("'C:\\dir'");
    expect(tomlHeaderKey('it\'s "x"')).toBe('"it\'s \\"x\\""');
    expect(tomlHeaderKey('x y')).toBe('"x y"');
    const doc = parse(`[${tomlHeaderKey('a"b')}.${tomlHeaderKey('it\'s "x"\n')}]\nk = 1`) as Record<string, Record<string, unknown>>;
    expect(Object.keys(doc)).toEqual(['a"b']);
    expect(Object.keys(doc['a"b'] ?? {})).toEqual(['it\'s "x"\n']);
  });

  it('sorts by code point (UTF-8 byte order), like the original', () => {
    const keys = ['b', 'a', 'B', '_', '\uffff', '😀', 'aa', ''];
    expect([...keys].sort(compareKeys)).toEqual(['', 'B', '_', 'a', 'aa', 'b', '\uffff', '😀']);
    // Plain JS sort would put the astral 😀 (surrogates D83D…) before U+FFFF.
    expect([...keys].sort()).not.toEqual([...keys].sort(compareKeys));
  });
});

describe('tomlInlineValue', () => {
  it('null has no TOML form', () => {
    expect(tomlInlineValue(null)).toBeUndefined();
  });

  it('homogeneous arrays stay typed; ints mixed with floats become floats', () => {
    expect(tomlInlineValue([1, 2, 3])).toBe('[1, 2, 3]');
    expect(tomlInlineValue([1, 2.5])).toBe('[1.0, 2.5]');
    expect(tomlInlineValue(['a', 'b'])).toBe('["a", "b"]');
    expect(tomlInlineValue([[1, 2], ['a']])).toBe('[[1, 2], ["a"]]');
    expect(tomlInlineValue([])).toBe('[]');
  });

  it('other mixes (and nulls in arrays) become arrays of JSON texts, with a warning', () => {
    const warnings: string[] = [];
    expect(tomlInlineValue([1, 'a', true, null, { k: 1 }], (w) => warnings.push(w.code))).toBe(
      '["1", "\\"a\\"", "true", "null", "{\\"k\\":1}"]',
    );
    expect(warnings).toEqual(['mixed-array']);
  });

  it('objects inside arrays are inline tables with sorted keys, nulls left out', () => {
    const text = tomlInlineValue([{ b: 1, a: 'x', n: null }, { 'c d': { e: [1] } }]) as string;
    expect(text).toBe('[{ a = "x", b = 1 }, { "c d" = { e = [1] } }]');
    expect(readBack(text)).toEqual([{ a: 'x', b: 1 }, { 'c d': { e: [1] } }]);
  });
});
