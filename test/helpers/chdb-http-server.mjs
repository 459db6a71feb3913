#!/usr/bin/env node
/**
 * Test harness: a ClickHouse server for the tests, speaking enough of ClickHouse's HTTP interface
 * for @clickhouse/client, with a current ClickHouse engine (chdb, an embedded ClickHouse 26.x)
 * behind it. It runs as its own process so the code under test reaches it over HTTP, unchanged,
 * and a test can kill it (SIGKILL) and start it again on the same port and data directory.
 *
 *   node test/helpers/chdb-http-server.mjs --data DIR [--port N] [--user NAME] [--password PW]
 *
 * Prints one JSON line `{"port": N}` on stdout once it listens. What it implements:
 *   GET /ping, GET / (no query) → `Ok.`
 *   POST/GET / with the statement in the `query` parameter and/or the body; an INSERT named in
 *   `query` takes its data from the body (any input format, Native and RowBinary included);
 *   `database`, `default_format`, `query_id`, `param_<name>` (query parameters); every other parameter is a setting
 *   (e.g. `insert_deduplication_token`), scoped to that request.
 *   Credentials: `X-ClickHouse-User`/`X-ClickHouse-Key`, HTTP basic auth, or `user`/`password`
 *   parameters; wrong ones get 403 and `Code: 516 ... (AUTHENTICATION_FAILED)` like ClickHouse.
 *   Errors: the engine's `Code: N. DB::Exception: ...` text, `X-ClickHouse-Exception-Code`, and
 *   ClickHouse's status mapping (404 unknown table/database, 400 syntax, 500 otherwise).
 * Test-only controls (not ClickHouse): `POST /__harness/lose-replies?count=N` makes the next N
 * data INSERTs run to completion and then drops the connection without a reply (a reply lost
 * after the commit); `GET /__harness/inserts` lists every data INSERT as {table, token}.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
// chdb is kept out of the root package (see test/harness/clickhouse/package.json).
const { Session } = loadChdb();

function loadChdb() {
  for (const base of [path.join(HERE, '../harness/clickhouse/package.json'), path.join(HERE, '../../package.json')]) {
    try {
      return createRequire(base)('chdb');
    } catch {
      // try the next place
    }
  }
  throw new Error('chdb is not installed: run `npm run test:harness`');
}

const args = parseArgs(process.argv.slice(2));
const dataDir = path.resolve(args.data ?? fs.mkdtempSync(path.join(os.tmpdir(), 'chdb-data-')));
const user = args.user ?? 'default';
const password = args.password ?? '';
// INSERT data waits here for the engine to read it; inside the data directory, so whoever removes
// that (also after a SIGKILL) removes this too.
const spoolDir = path.join(dataDir, 'harness-spool');

fs.mkdirSync(spoolDir, { recursive: true });
const session = new Session(dataDir);
const VERSION = session.query('SELECT version()', 'TabSeparated').trim();

/** Parameters that are part of the HTTP interface, not settings. */
const NOT_SETTINGS = new Set([
  'query',
  'database',
  'default_format',
  'query_id',
  'session_id',
  'session_timeout',
  'session_check',
  'user',
  'password',
  'quota_key',
  'compress',
  'decompress',
  'buffer_size',
  'wait_end_of_query',
  'role',
  'enable_http_compression',
  'http_zlib_compression_level',
  'send_progress_in_http_headers',
]);
const STATUS_BY_CODE = new Map([
  [60, 404], // UNKNOWN_TABLE
  [81, 404], // UNKNOWN_DATABASE
  [62, 400], // SYNTAX_ERROR
  [516, 403], // AUTHENTICATION_FAILED
]);

let loseReplies = 0;
let spoolCounter = 0;
const inserts = [];
// One engine, one statement at a time: USE and SET are per session.
let queue = Promise.resolve();
const serialized = (work) => {
  const result = queue.then(work);
  queue = result.catch(() => {});
  return result;
};

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    handle(req, res, Buffer.concat(chunks)).catch((error) => {
      if (!res.headersSent) reply(res, 500, `Code: 1000. DB::Exception: harness: ${error.message} (UNKNOWN_EXCEPTION)\n`);
    });
  });
});
server.keepAliveTimeout = 10_000;
server.listen(Number(args.port ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port, version: VERSION })}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close();
    void queue.then(() => {
      session.close();
      fs.rmSync(spoolDir, { recursive: true, force: true });
      process.exit(0);
    });
  });
}

async function handle(req, res, body) {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const params = url.searchParams;
  if (url.pathname === '/ping') return reply(res, 200, 'Ok.\n');
  if (url.pathname === '/__harness/lose-replies') {
    loseReplies = Number(params.get('count') ?? '1');
    return reply(res, 200, 'Ok.\n');
  }
  if (url.pathname === '/__harness/inserts') return reply(res, 200, JSON.stringify(inserts), { 'Content-Type': 'application/json' });
  if (url.pathname !== '/') return reply(res, 404, `There is no handle ${url.pathname}\n`);

  const failedAuth = checkCredentials(req, params);
  if (failedAuth) return failure(res, failedAuth);

  const queryParam = params.get('query') ?? '';
  if (req.method === 'GET' && queryParam === '' && body.length === 0) return reply(res, 200, 'Ok.\n');
  const settings = [...params].filter(([key]) => !NOT_SETTINGS.has(key) && !key.startsWith('param_'));
  const queryParams = [...params].filter(([key]) => key.startsWith('param_')).map(([key, value]) => [key.slice('param_'.length), value]);
  const database = params.get('database') ?? 'default';
  const format = params.get('default_format') ?? 'TabSeparated';
  const headers = {
    'X-ClickHouse-Query-Id': params.get('query_id') ?? `harness-${Date.now()}-${spoolCounter}`,
    'X-ClickHouse-Timezone': 'UTC',
  };

  if (/^\s*INSERT\b/i.test(queryParam) && body.length > 0) {
    return insertWithData(res, { statement: queryParam, data: body, settings, database, headers });
  }
  const statement = [queryParam, body.toString('utf8')].filter((part) => part.trim() !== '').join('\n');
  if (statement.trim() === '') return failure(res, 'Code: 62. DB::Exception: Empty query. (SYNTAX_ERROR)');
  try {
    const result = await serialized(async () => {
      const set = settings.map(([key, value]) => `SET ${key} = ${sqlValue(value)}; `).join('');
      try {
        const sql = `USE ${quoteIdentifier(database)}; ${set}${statement}`;
        return queryParams.length > 0
          ? await session.queryBindAsync(sql, Object.fromEntries(queryParams), { format })
          : await session.queryAsync(sql, { format });
      } finally {
        // SET outlives the statement in a session: put the settings back.
        if (settings.length > 0)
          await session.queryAsync(settings.map(([key]) => `SET ${key} = DEFAULT`).join('; '), { format: 'TabSeparated' }).catch(() => {});
      }
    });
    const bytes = Buffer.from(result.bytes());
    return reply(res, 200, bytes, { ...headers, 'X-ClickHouse-Summary': summary(result, 0), 'Content-Type': 'text/plain; charset=UTF-8' });
  } catch (error) {
    return failure(res, error.message, headers);
  }
}

async function insertWithData(res, { statement, data, settings, database, headers }) {
  const match = /^\s*(INSERT\s+INTO\s+[\s\S]+?)\s+FORMAT\s+([A-Za-z0-9_]+)\s*;?\s*$/i.exec(statement);
  if (!match) return failure(res, 'Code: 62. DB::Exception: harness: an INSERT with data needs a FORMAT clause. (SYNTAX_ERROR)', headers);
  const [, target, dataFormat] = match;
  const file = path.join(spoolDir, `insert-${process.pid}-${++spoolCounter}.bin`);
  fs.writeFileSync(file, data);
  const settingsClause = settings.length > 0 ? ` SETTINGS ${settings.map(([key, value]) => `${key} = ${sqlValue(value)}`).join(', ')}` : '';
  const token = settings.find(([key]) => key === 'insert_deduplication_token')?.[1] ?? null;
  inserts.push({ table: target.replace(/^\s*INSERT\s+INTO\s+/i, '').trim(), token });
  try {
    const result = await serialized(() =>
      session.queryAsync(`USE ${quoteIdentifier(database)}; ${target} FROM INFILE '${file}'${settingsClause} FORMAT ${dataFormat}`, {
        format: 'TabSeparated',
      }),
    );
    if (loseReplies > 0) {
      loseReplies--;
      res.socket?.destroy();
      return;
    }
    return reply(res, 200, '', { ...headers, 'X-ClickHouse-Summary': summary(result, data.length) });
  } catch (error) {
    return failure(res, error.message, headers);
  } finally {
    fs.rmSync(file, { force: true });
  }
}

function checkCredentials(req, params) {
  let given = { name: 'default', key: '' };
  const headerUser = req.headers['x-clickhouse-user'];
  const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (headerUser !== undefined) {
    given = { name: String(headerUser), key: String(req.headers['x-clickhouse-key'] ?? '') };
  } else if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    given = colon < 0 ? { name: decoded, key: '' } : { name: decoded.slice(0, colon), key: decoded.slice(colon + 1) };
  } else if (params.has('user')) {
    given = { name: params.get('user'), key: params.get('password') ?? '' };
  }
  if (given.name === user && given.key === password) return null;
  return `Code: 516. DB::Exception: ${given.name}: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED)`;
}

function failure(res, message, headers = {}) {
  const text = String(message).replace(/^[\s\S]*?(?=Code: \d+)/, '');
  const code = Number(/Code: (\d+)/.exec(text)?.[1] ?? 1000);
  const withVersion = /\(version /.test(text) ? text : `${text.trimEnd()} (version ${VERSION} (chdb harness))`;
  return reply(res, STATUS_BY_CODE.get(code) ?? 500, `${withVersion}\n`, {
    ...headers,
    'X-ClickHouse-Exception-Code': String(code),
    'Content-Type': 'text/plain; charset=UTF-8',
  });
}

function reply(res, status, body, headers = {}) {
  res.writeHead(status, { 'X-ClickHouse-Server-Display-Name': 'chdb-harness', ...headers });
  res.end(body);
}

function summary(result, bytesReceived) {
  return JSON.stringify({
    read_rows: String(result.rowsRead ?? 0),
    read_bytes: String(result.bytesRead ?? 0),
    written_rows: '0',
    written_bytes: String(bytesReceived),
    total_rows_to_read: '0',
    result_rows: '0',
    result_bytes: '0',
    elapsed_ns: String(Math.round((result.elapsed ?? 0) * 1e9)),
  });
}

function sqlValue(value) {
  return /^-?\d+(\.\d+)?$/.test(value) ? value : `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

function quoteIdentifier(name) {
  return `\`${name.replaceAll('\\', '\\\\').replaceAll('`', '\\`')}\``;
}

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]?.replace(/^--/, '');
    if (key) out[key] = argv[i + 1];
  }
  return out;
}
