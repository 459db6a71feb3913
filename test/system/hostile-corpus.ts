/**
 * The hostile-input corpus (issue "Prove fail-safe"): named lines and byte sequences, each with
 * the answer SPEC §1–2, §4, §12 defines for it. `hostile-input.test.ts` sends every case on a
 * fresh connection to a real `rex run` while a well-behaved client streams alongside.
 *
 * Answers: `Invalid format` (the line does not parse), `Invalid format: <reason>` (it parses but
 * the merge rejects it visibly), the reply of the message kind, or nothing (blank lines).
 */

export const INVALID = 'Invalid format';
export const RECORDED = 'Device measurements recorded';
export const SESSION_PROCESSED = 'Session configuration processed';
export const RESULTS_PROCESSED = 'Session results processed';
export const RUNNING = 'Running';

/** A reply matched exactly (string) or by pattern. */
export type ExpectedReply = string | RegExp;

export interface LineCase {
  name: string;
  /** Sent as one write each (a newline is added to strings that lack one; Buffers go as they are). */
  send: (string | Buffer)[];
  expect: ExpectedReply[];
}

const listener = (extra = ''): string => `{"name":"Session Listener","id":"hostile"${extra}}`;
const session = (info: string, extra = ''): string => `{"info":${info}${extra}}`;
const goodInfo = '{"name":"H","email":"h@x.org","session_name":"S","session_description":"D"}';
const result = (fields: string): string => `{"result_name":"r","result_description":"d","result_status":true${fields ? `,${fields}` : ''}}`;
const device = (name: string, config: string, measurements: string, extra = ''): string =>
  `{"device_name":${JSON.stringify(name)},"device_config":${config},"measurements":${measurements}${extra}}`;
const channel = (name: string, data: string, unit = '"V"'): string => `{${JSON.stringify(name)}:{"data":${data},"unit":${unit}}}`;
const deepObjects = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const deepArrays = (depth: number): string => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
const bytes = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));
const f64Base64 = (values: number[]): string => Buffer.from(new Float64Array(values).buffer).toString('base64');

/** A device line whose every field is valid; the cases below break one thing at a time. */
const VALID_DEVICE = device('hostile_ok', '{"gain":2}', channel('c', '[1.5, 2.5]'));

export const LINE_CASES: LineCase[] = [
  // --- malformed and truncated JSON
  { name: 'malformed JSON: a key without a value', send: ['{"device_name": }'], expect: [INVALID] },
  { name: 'malformed JSON: trailing comma', send: [`${listener().slice(0, -1)},}`], expect: [INVALID] },
  { name: 'malformed JSON: single quotes', send: ["{'name':'Session Listener','id':'x'}"], expect: [INVALID] },
  { name: 'malformed JSON: unterminated string', send: ['{"name":"Session Listener","id":"x'], expect: [INVALID] },
  { name: 'malformed JSON: two objects on one line', send: [`${listener()}${listener()}`], expect: [INVALID] },
  { name: 'truncated line: a device line cut in half', send: [VALID_DEVICE.slice(0, VALID_DEVICE.length >> 1)], expect: [INVALID] },
  { name: 'truncated line: a device line without its last brace', send: [VALID_DEVICE.slice(0, -1)], expect: [INVALID] },
  { name: 'top level: a JSON array', send: ['[1,2,3]'], expect: [INVALID] },
  { name: 'top level: a JSON string of a command', send: ['"GET_DATASTREAM"'], expect: [INVALID] },
  { name: 'top level: a number', send: ['42'], expect: [INVALID] },
  { name: 'top level: null', send: ['null'], expect: [INVALID] },
  { name: 'top level: an empty object', send: ['{}'], expect: [INVALID] },
  { name: 'top level: only unknown keys', send: ['{"hello":"world"}'], expect: [INVALID] },
  { name: 'command: lower case', send: ['get_datastream'], expect: [INVALID] },
  { name: 'command: with a trailing word', send: ['STATE now'], expect: [INVALID] },
  { name: 'command: with a suffix', send: ['KILLX'], expect: [INVALID] },

  // --- encoding
  { name: 'invalid UTF-8: a 0xFF byte in a string', send: [bytes('{"name":"Session Listener","id":"', [0xff], '"}\n')], expect: [INVALID] },
  {
    name: 'invalid UTF-8: an overlong "/" (C0 AF)',
    send: [bytes('{"name":"Session Listener","id":"', [0xc0, 0xaf], '"}\n')],
    expect: [INVALID],
  },
  {
    name: 'invalid UTF-8: an encoded surrogate (ED A0 80)',
    send: [bytes('{"name":"Session Listener","id":"', [0xed, 0xa0, 0x80], '"}\n')],
    expect: [INVALID],
  },
  {
    name: 'invalid UTF-8: a truncated 3-byte sequence',
    send: [bytes('{"name":"Session Listener","id":"', [0xe2, 0x82], '"}\n')],
    expect: [INVALID],
  },
  { name: 'invalid UTF-8: a lone continuation byte', send: [bytes([0x80], '\n')], expect: [INVALID] },
  { name: 'UTF-8 byte order mark before the JSON', send: [bytes([0xef, 0xbb, 0xbf], `${listener()}\n`)], expect: [INVALID] },
  { name: 'valid non-ASCII UTF-8 is accepted', send: [listener(',"note":"ünïcödé ✓ 😀"')], expect: [RUNNING] },

  // --- NUL bytes
  { name: 'NUL: a raw NUL inside a string', send: [bytes('{"name":"Session Listener","id":"a', [0], 'b"}\n')], expect: [INVALID] },
  { name: 'NUL: a line of NUL bytes', send: [bytes([0, 0, 0, 0], '\n')], expect: [INVALID] },
  { name: 'NUL: after a valid message', send: [bytes(listener(), [0], '\n')], expect: [INVALID] },
  {
    name: 'NUL: escaped \\u0000 in device, channel and config names is data, recorded',
    send: [device('nul\u0000dev', '{"k\\u0000ey":"v\\u0000al"}', channel('ch\u0000an', '[7]'))],
    expect: [RECORDED],
  },

  // --- lone UTF-16 surrogates as JSON escapes: not Unicode text, so not valid strings (the
  // original's serde_json rejected them); two names differing only in them would also collide
  // in the UTF-8 output file.
  {
    name: 'escapes: a lone leading surrogate (\\ud800) in a device name',
    send: [device('hostile_sur', '{}', channel('c', '[1]')).replace('hostile_sur', 'sur\\ud800')],
    expect: [INVALID],
  },
  {
    name: 'escapes: a lone trailing surrogate (\\udc00) in a config value',
    send: [device('hostile_sur', '{"k":"v\\udc00"}', channel('c', '[1]'))],
    expect: [INVALID],
  },
  {
    name: 'escapes: reversed surrogates (\\udc00\\ud800) in a channel name',
    send: [device('hostile_sur', '{}', channel('c', '[1]')).replace('"c"', '"\\udc00\\ud800"')],
    expect: [INVALID],
  },
  {
    name: 'escapes: a valid surrogate pair (\\ud83d\\ude00) is text, recorded',
    send: [device('hostile_pair', '{}', channel('c', '[1]')).replace('"c"', '"\\ud83d\\ude00"')],
    expect: [RECORDED],
  },

  // --- deep nesting (limit: 64 levels inside device_config, info.meta, result_meta)
  { name: 'nesting: 10,000-deep objects in device_config', send: [device('hostile_deep', deepObjects(10_000), '{}')], expect: [INVALID] },
  {
    name: 'nesting: 10,000-deep arrays in device_config',
    send: [device('hostile_deep', `{"a":${deepArrays(10_000)}}`, '{}')],
    expect: [INVALID],
  },
  {
    name: 'nesting: 10,000-deep objects in session meta',
    send: [session(goodInfo.replace('}', `,"meta":${deepObjects(10_000)}}`))],
    expect: [INVALID],
  },
  {
    name: 'nesting: 10,000-deep arrays in session meta',
    send: [session(goodInfo.replace('}', `,"meta":{"a":${deepArrays(10_000)}}}`))],
    expect: [INVALID],
  },
  { name: 'nesting: 10,000-deep objects in result_meta', send: [result(`"result_meta":${deepObjects(10_000)}`)], expect: [INVALID] },
  {
    name: 'nesting: 10,000-deep arrays as measurement data',
    send: [device('hostile_deep', '{}', channel('c', deepArrays(10_000)))],
    expect: [INVALID],
  },
  {
    name: 'nesting: 65 levels of device_config (one over the limit)',
    send: [device('hostile_deep', deepObjects(65), '{}')],
    expect: [INVALID],
  },
  {
    name: 'nesting: 64 levels of device_config (the limit) is recorded',
    send: [device('hostile_deep64', deepObjects(64), '{}')],
    expect: [RECORDED],
  },
  { name: 'nesting: 10,000 deep in an ignored unknown field', send: [listener(`,"extra":${deepArrays(10_000)}`)], expect: [RUNNING] },

  // --- wrong types, Device
  { name: 'Device: device_name a number', send: [VALID_DEVICE.replace('"hostile_ok"', '17')], expect: [INVALID] },
  { name: 'Device: device_name null', send: [VALID_DEVICE.replace('"hostile_ok"', 'null')], expect: [INVALID] },
  { name: 'Device: device_config an array', send: [device('hostile_ok', '[1,2]', channel('c', '[1]'))], expect: [INVALID] },
  { name: 'Device: device_config a string', send: [device('hostile_ok', '"gain=2"', channel('c', '[1]'))], expect: [INVALID] },
  { name: 'Device: device_config null', send: [device('hostile_ok', 'null', channel('c', '[1]'))], expect: [INVALID] },
  { name: 'Device: measurements an array', send: [device('hostile_ok', '{}', '[{"data":[1],"unit":"V"}]')], expect: [INVALID] },
  { name: 'Device: measurements a string', send: [device('hostile_ok', '{}', '"c=1"')], expect: [INVALID] },
  { name: 'Device: a channel that is a number', send: [device('hostile_ok', '{}', '{"c":1.5}')], expect: [INVALID] },
  { name: 'Device: data a string', send: [device('hostile_ok', '{}', channel('c', '"1.5"'))], expect: [INVALID] },
  { name: 'Device: data a bare number', send: [device('hostile_ok', '{}', channel('c', '1.5'))], expect: [INVALID] },
  { name: 'Device: data missing', send: [device('hostile_ok', '{}', '{"c":{"unit":"V"}}')], expect: [INVALID] },
  { name: 'Device: data with a string', send: [device('hostile_ok', '{}', channel('c', '[1,"2",3]'))], expect: [INVALID] },
  { name: 'Device: data with a bool', send: [device('hostile_ok', '{}', channel('c', '[1,true]'))], expect: [INVALID] },
  { name: 'Device: data with null', send: [device('hostile_ok', '{}', channel('c', '[1,null]'))], expect: [INVALID] },
  { name: 'Device: data with an object', send: [device('hostile_ok', '{}', channel('c', '[1,{"x":2}]'))], expect: [INVALID] },
  { name: 'Device: data mixing numbers and rows', send: [device('hostile_ok', '{}', channel('c', '[1,[2,3]]'))], expect: [INVALID] },
  { name: 'Device: data rows mixing rows and numbers', send: [device('hostile_ok', '{}', channel('c', '[[1,2],3]'))], expect: [INVALID] },
  { name: 'Device: a row with a string', send: [device('hostile_ok', '{}', channel('c', '[[1,"x"]]'))], expect: [INVALID] },
  { name: 'Device: unit a number', send: [device('hostile_ok', '{}', channel('c', '[1]', '5'))], expect: [INVALID] },
  { name: 'Device: unit null', send: [device('hostile_ok', '{}', channel('c', '[1]', 'null'))], expect: [INVALID] },
  { name: 'Device: unit missing', send: [device('hostile_ok', '{}', '{"c":{"data":[1]}}')], expect: [INVALID] },
  {
    name: 'Device: timestamps a string',
    send: [device('hostile_ok', '{}', channel('c', '[1]'), ',"timestamps":"now"')],
    expect: [INVALID],
  },
  {
    name: 'Device: timestamps entry a number',
    send: [device('hostile_ok', '{}', channel('c', '[1]'), ',"timestamps":{"c":5}')],
    expect: [INVALID],
  },
  {
    name: 'Device: timestamps entry with a number inside',
    send: [device('hostile_ok', '{}', channel('c', '[1]'), ',"timestamps":{"c":[5]}')],
    expect: [INVALID],
  },

  // --- wrong types, Session
  { name: 'Session: info a string', send: [session('"Jane"')], expect: [INVALID] },
  { name: 'Session: info an array', send: [session('["Jane"]')], expect: [INVALID] },
  { name: 'Session: info null', send: [session('null')], expect: [INVALID] },
  { name: 'Session: name a number', send: [session(goodInfo.replace('"H"', '7'))], expect: [INVALID] },
  { name: 'Session: email null', send: [session(goodInfo.replace('"h@x.org"', 'null'))], expect: [INVALID] },
  { name: 'Session: session_name a number', send: [session(goodInfo.replace('"S"', '12'))], expect: [INVALID] },
  { name: 'Session: session_description an object', send: [session(goodInfo.replace('"D"', '{"a":1}'))], expect: [INVALID] },
  { name: 'Session: meta an array', send: [session(goodInfo.replace('}', ',"meta":["a"]}'))], expect: [INVALID] },
  { name: 'Session: meta a string', send: [session(goodInfo.replace('}', ',"meta":"sample"}'))], expect: [INVALID] },
  { name: 'Session: a malformed uuid', send: [session(goodInfo, ',"uuid":"not-a-uuid"')], expect: [INVALID] },
  { name: 'Session: start_time a number', send: [session(goodInfo, ',"start_time":5')], expect: [INVALID] },
  {
    name: 'Session: session_name given with its alias experiment_name',
    send: [session(goodInfo.replace('}', ',"experiment_name":"E"}'))],
    expect: [INVALID],
  },
  {
    name: 'Session: session_description given with its alias run_description',
    send: [session(goodInfo.replace('}', ',"run_description":"E"}'))],
    expect: [INVALID],
  },
  {
    name: 'Session: aliases alone are accepted (a second session: same reply, first one kept)',
    send: [session('{"name":"Mallory","email":"m@x.org","test_name":"Hijack","test_description":"D"}')],
    expect: [SESSION_PROCESSED],
  },

  // --- wrong types, Listener
  { name: 'Listener: id a number', send: ['{"name":"Session Listener","id":5}'], expect: [INVALID] },
  { name: 'Listener: name a number', send: ['{"name":5,"id":"x"}'], expect: [INVALID] },
  { name: 'Listener: id null', send: ['{"name":"Session Listener","id":null}'], expect: [INVALID] },
  { name: 'Listener: duplicate keys, the last one wins', send: ['{"name":1,"name":"Session Listener","id":"x"}'], expect: [RUNNING] },

  // --- wrong types, Result
  {
    name: 'Result: result_status a string',
    send: ['{"result_name":"r","result_description":"d","result_status":"true"}'],
    expect: [INVALID],
  },
  { name: 'Result: result_status null', send: ['{"result_name":"r","result_description":"d","result_status":null}'], expect: [INVALID] },
  { name: 'Result: result_name a number', send: ['{"result_name":1,"result_description":"d","result_status":true}'], expect: [INVALID] },
  { name: 'Result: result_description missing', send: ['{"result_name":"r","result_status":true}'], expect: [INVALID] },
  { name: 'Result: lower_bound a string', send: [result('"lower_bound":"0"')], expect: [INVALID] },
  { name: 'Result: ub a string', send: [result('"ub":"10"')], expect: [INVALID] },
  { name: 'Result: result_value a string', send: [result('"result_value":"5.5"')], expect: [INVALID] },
  { name: 'Result: result_value a bool', send: [result('"result_value":true')], expect: [INVALID] },
  { name: 'Result: result_meta an array', send: [result('"result_meta":[1]')], expect: [INVALID] },
  { name: 'Result: result_meta a string', send: [result('"result_meta":"fit.png"')], expect: [INVALID] },
  { name: 'Result: upper_bound given with its alias ub', send: [result('"upper_bound":1,"ub":2')], expect: [INVALID] },
  { name: 'Result: result_lower_bound given with its alias lb', send: [result('"result_lower_bound":1,"lb":2')], expect: [INVALID] },
  {
    name: 'Result: an alias alone is accepted',
    send: ['{"result_name":"hostile_lb","result_description":"d","result_status":false,"lb":-1}'],
    expect: [RESULTS_PROCESSED],
  },

  // --- merge: unit and shape switches are rejected visibly (SPEC §4 deviation)
  {
    name: 'merge: a unit switch on a channel',
    send: [device('hostile_units', '{}', channel('c', '[1]', '"V"')), device('hostile_units', '{}', channel('c', '[2]', '"A"'))],
    expect: [RECORDED, /^Invalid format: .*unit/],
  },
  {
    name: 'merge: a shape switch (Single then Multi) on a channel',
    send: [device('hostile_shape', '{}', channel('c', '[1.5]')), device('hostile_shape', '{}', channel('c', '[[1,2],[3,4]]'))],
    expect: [RECORDED, /^Invalid format: .*shape/],
  },
  {
    name: "merge: a unit switch on the steady client's own channel leaves its data alone",
    send: [device('steady', '{"kind":"evil"}', channel('n', '[-1]', '"volts"'))],
    expect: [/^Invalid format: .*unit/],
  },

  // --- numbers
  {
    name: 'numbers: 1e400, -1e400 and 1e-400 in data (→ inf, -inf, 0)',
    send: [device('hostile_inf', '{}', channel('big', '[1e400,-1e400,1e-400]'))],
    expect: [RECORDED],
  },
  {
    name: "numbers: Python's NaN and Infinity tokens",
    send: [device('hostile_nan', '{}', channel('c', '[NaN,Infinity,-Infinity]'))],
    expect: [RECORDED],
  },
  {
    name: 'numbers: a 30-digit integer',
    send: [device('hostile_bigint', '{}', channel('c', '[123456789012345678901234567890]'))],
    expect: [RECORDED],
  },
  {
    name: 'numbers: a bare Infinity as a unit is not a string',
    send: [device('hostile_ok', '{}', channel('c', '[1]', 'Infinity'))],
    expect: [INVALID],
  },

  // --- prototype keys are plain data
  {
    name: '__proto__ and constructor keys in device_config',
    send: [
      device(
        'hostile_proto',
        '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"toString":1}',
        channel('__proto__', '[3]'),
      ),
    ],
    expect: [RECORDED],
  },
  { name: 'a device named __proto__', send: [device('__proto__', '{"x":1}', channel('c', '[4]'))], expect: [RECORDED] },

  // --- binary traces (SPEC §12)
  {
    name: 'binary: characters outside base64',
    send: [device('hostile_bin', '{}', channel('c', '{"f64":"!!!!!!!!!!!","shape":[1]}'))],
    expect: [INVALID],
  },
  {
    name: 'binary: base64 with a space in it',
    send: [device('hostile_bin', '{}', channel('c', `{"f64":"${f64Base64([1]).slice(0, 4)} ${f64Base64([1]).slice(4)}","shape":[1]}`))],
    expect: [INVALID],
  },
  {
    name: 'binary: padding in the middle',
    send: [device('hostile_bin', '{}', channel('c', '{"f64":"AAAA=AAAAAA=","shape":[1]}'))],
    expect: [INVALID],
  },
  { name: 'binary: f64 a number', send: [device('hostile_bin', '{}', channel('c', '{"f64":1.5,"shape":[1]}'))], expect: [INVALID] },
  {
    name: 'binary: shape of rank 3',
    send: [device('hostile_bin', '{}', channel('c', `{"f64":"${f64Base64([1, 2, 3, 4, 5, 6, 7, 8])}","shape":[2,2,2]}`))],
    expect: [INVALID],
  },
  {
    name: 'binary: shape a string',
    send: [device('hostile_bin', '{}', channel('c', `{"f64":"${f64Base64([1, 2, 3])}","shape":"3"}`))],
    expect: [INVALID],
  },
  {
    name: 'binary: shape empty',
    send: [device('hostile_bin', '{}', channel('c', `{"f64":"${f64Base64([1])}","shape":[]}`))],
    expect: [INVALID],
  },
  {
    name: 'binary: a negative size',
    send: [device('hostile_bin', '{}', channel('c', `{"f64":"${f64Base64([1])}","shape":[-1]}`))],
    expect: [INVALID],
  },
  {
    name: 'binary: a fractional size',
    send: [device('hostile_bin', '{}', channel('c', `{"f64":"${f64Base64([1])}","shape":[1.5]}`))],
    expect: [INVALID],
  },
  { name: 'binary: shape missing', send: [device('hostile_bin', '{}', channel('c', `{"f64":"${f64Base64([1])}"}`))], expect: [INVALID] },
  {
    name: 'binary: 2 values for shape [3]',
    send: [device('hostile_bin', '{}', channel('c', `{"f64":"${f64Base64([1, 2])}","shape":[3]}`))],
    expect: [INVALID],
  },
  {
    name: 'binary: 3 values for shape [2,2]',
    send: [device('hostile_bin', '{}', channel('c', `{"f64":"${f64Base64([1, 2, 3])}","shape":[2,2]}`))],
    expect: [INVALID],
  },
  {
    name: 'binary: 12 bytes (not whole float64s) for shape [1]',
    send: [device('hostile_bin', '{}', channel('c', `{"f64":"${Buffer.alloc(12).toString('base64')}","shape":[1]}`))],
    expect: [INVALID],
  },
  {
    name: 'binary: a shape of 1e15 values',
    send: [device('hostile_bin', '{}', channel('c', `{"f64":"${f64Base64([1])}","shape":[1000000000000000]}`))],
    expect: [INVALID],
  },
  {
    name: 'binary: a shape whose product overflows',
    send: [device('hostile_bin', '{}', channel('c', `{"f64":"${f64Base64([1])}","shape":[9007199254740991,9007199254740991]}`))],
    expect: [INVALID],
  },
  {
    name: 'binary: a valid trace is recorded',
    send: [device('hostile_bin', '{}', channel('c', `{"f64":"${f64Base64([0.25, -0.5, 1e300])}","shape":[3]}`))],
    expect: [RECORDED],
  },

  // --- framing
  { name: 'framing: empty and whitespace-only lines get no reply', send: ['\n\n   \n\t \r\n\u000b\u000c\n', '\r\n'], expect: [] },
  {
    name: 'framing: CRLF line endings',
    send: [`${listener()}\r\n${device('crlf_dev', '{}', channel('c', '[8]'))}\r\n`],
    expect: [RUNNING, RECORDED],
  },
  { name: 'framing: leading and trailing spaces and tabs', send: [` \t ${listener()} \t \n`], expect: [RUNNING] },
  { name: 'framing: 200 lines in one write', send: [`${listener()}\n`.repeat(200)], expect: Array<string>(200).fill(RUNNING) },
  {
    name: 'framing: a bare carriage return inside a line',
    send: [`${listener().slice(0, 10)}\r${listener().slice(10)}`],
    expect: [INVALID],
  },
];

/** One line sent one byte per write (each write awaited), and what it must get. */
export const TINY_WRITES_LINE = device('tiny_writes', '{"bytes":"one at a time"}', channel('c', '[9.5]'));

/** Seeded pseudo-random bytes: the same garbage every run (xorshift32). */
export function garbage(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Non-blank lines of a byte stream as rex frames them (split at `\n`, ASCII whitespace trimmed). */
export function nonBlankLineCount(stream: Buffer): number {
  let count = 0;
  let start = 0;
  for (;;) {
    const newline = stream.indexOf(0x0a, start);
    const end = newline === -1 ? stream.length : newline;
    for (let i = start; i < end; i++) {
      const b = stream[i]!;
      if (!(b === 0x20 || (b >= 0x09 && b <= 0x0d))) {
        count++;
        break;
      }
    }
    if (newline === -1) return count;
    start = newline + 1;
  }
}
