/**
 * The Start tab (docs/web.md "Starting a run") in a real Chromium against a real `rex serve` with
 * a token, a scripts directory of its own holding one small real Python script, and one allowed
 * output directory; and against a real `rex run --web`, which starts no runs. Needs `npm run build`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, screenshot, useBrowser, type WatchedPage } from '../helpers/browser.js';
import { REPO_ROOT, readToml, startRex, workspace } from '../helpers/rex-cli.js';
import { startServe, type ServeProcess } from '../serve/serve-process.js';

const TOKEN = 'start-form-token';

/** Sends a session and one device message, then exits. */
const SCRIPT = `import sys
sys.path.insert(0, ${JSON.stringify(path.join(REPO_ROOT, 'clients', 'python'))})
import rex_client as rex
rex.Session("Form Tester", "form@example.org", "Form test", "started from the browser")
rex.Device("probe", {"mode": "form"}).send({"temperature": (21.5, "K")})
print("form_hello: sent", flush=True)
`;
/** Waits until rex ends it (kill: SIGTERM). */
const WAITING_SCRIPT = 'import time\nprint("form_wait: ready", flush=True)\ntime.sleep(60)\n';

async function logIn(page: Page, url: string, hash: string, token = TOKEN): Promise<void> {
  await page.goto(`${url}/ui/${hash}`);
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Log in' }).click();
}

const problem = (page: Page, field: string) => page.locator(`[data-problem="${field}"]`);

describe('the Start tab', () => {
  const browser = useBrowser();

  describe('on rex serve', () => {
    let serve: ServeProcess;
    let scriptsDir: string;
    let watched: WatchedPage;
    beforeAll(async () => {
      scriptsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-form-scripts-'));
      fs.writeFileSync(path.join(scriptsDir, 'form_hello.py'), SCRIPT);
      fs.writeFileSync(path.join(scriptsDir, 'form_wait.py'), WAITING_SCRIPT);
      serve = await startServe({ token: TOKEN, scriptsDir });
      watched = await openPage(browser());
    }, 60_000);
    afterAll(async () => {
      await watched?.context.close();
      await serve?.dispose();
      fs.rmSync(scriptsDir, { recursive: true, force: true });
    });

    it('shows the server’s message by the field it names: loops 0 sent past the client check, an output outside the allowed dirs', async () => {
      const { page } = watched;
      await logIn(page, serve.url, '#/start');
      await page.getByRole('button', { name: 'Start' }).waitFor();
      expect((await page.locator('select[name="path"] option').allTextContents()).sort()).toEqual(['form_hello.py', 'form_wait.py']);
      await page.locator('select[name="path"]').selectOption('form_hello.py');
      expect(await page.locator('select[name="output"] option').allTextContents()).toEqual([serve.outputDir]);

      // The client's own check, worded as the server's: nothing is sent.
      await page.locator('[name="meta_json"]').fill('[1, 2]');
      await page.getByRole('button', { name: 'Start' }).click();
      expect(await problem(page, 'meta_json').textContent()).toMatch(/^meta_json: expected a JSON object/);
      await page.locator('[name="meta_json"]').fill('');

      // Loops 0 past the client check (the request rewritten on its way): the server's 400.
      await page.route('**/run', (route) => route.continue({ postData: JSON.stringify({ ...route.request().postDataJSON(), loops: 0 }) }));
      await page.getByRole('button', { name: 'Start' }).click();
      await expect.poll(() => problem(page, 'loops').textContent(), { timeout: 10_000 }).toBe('loops: expected a whole number ≥ 1, got 0');
      await page.unroute('**/run');

      // A sub-directory that climbs out of the allowed dir: the server's 403, by the output field.
      await page.locator('[name="subdir"]').fill('../elsewhere');
      await page.getByRole('button', { name: 'Start' }).click();
      const refused = await serve.http('POST', '/run', { body: { path: 'form_hello.py', output: `${serve.outputDir}/../elsewhere` } });
      expect(refused.status).toBe(403);
      expect(refused.json().message).toMatch(/^output: .* is not inside an allowed output directory .*; config /);
      await expect.poll(() => problem(page, 'output').textContent(), { timeout: 10_000 }).toBe(refused.json().message);
      expect(await problem(page, 'loops').count()).toBe(0);
      await screenshot(page, 'web-start-refused');
      expect(serve.output()).not.toContain('form_hello: sent');
    }, 30_000);

    it('starts a run from the form: the Live tab shows it, and its file holds the meta entered', async () => {
      const { page } = watched;
      await page.locator('[name="subdir"]').fill('cooldown');
      await page.locator('[name="loops"]').fill('1');
      await page.locator('[name="meta_json"]').fill('{"sample_id": "F-9", "operator": {"name": "Ada"}}');
      await page.locator('[name="config"]').fill('{"gain": 3}');
      await page.getByRole('button', { name: 'Start' }).click();
      await page.waitForURL(/#\/live/, { timeout: 20_000 });
      const run = await serve.waitForRun((r) => r.phase === 'ended', 30_000);
      expect(run.exit_code).toBe(0);
      expect(await page.locator('#run .note').textContent()).toBe(`started run ${run.id}`);
      await page.locator('#run [data-field="phase"]', { hasText: 'ended' }).waitFor({ timeout: 10_000 });
      await screenshot(page, 'web-start-started');

      expect(run.output_files).toHaveLength(1);
      const file = run.output_files[0] as string;
      expect(path.dirname(file)).toBe(path.join(serve.outputDir, 'cooldown'));
      const toml = readToml(file);
      expect(toml.session.info.meta).toMatchObject({ sample_id: 'F-9', operator: { name: 'Ada' } });
      expect(toml.device.probe.data.temperature.data).toEqual([21.5]);
    }, 45_000);

    it('says so when a run is already going', async () => {
      const { page } = watched;
      const started = await serve.http('POST', '/run', { body: { path: 'form_wait.py' } });
      expect(started.status, started.text).toBe(200);
      // A kill that comes before the script has started is lost (rex run, not the page): wait for it.
      await serve.waitForOutput(/\[script\] form_wait: ready/);
      await page.getByRole('link', { name: 'Start' }).click();
      await page.getByRole('button', { name: 'Start' }).click();
      await expect
        .poll(() => page.locator('[data-field="busy"]').textContent(), { timeout: 10_000 })
        .toContain('Session is already running');
      await screenshot(page, 'web-start-busy');
      expect((await serve.http('POST', '/kill')).status).toBe(200);
      await serve.waitForRun((r) => r.phase === 'ended' && r.id === started.json().id, 30_000);
      expect(watched.problems).toEqual([]);
    }, 45_000);
  });

  describe('on rex run --web', () => {
    it('says that runs are started with rex serve', async () => {
      const ws = workspace();
      const script = path.join(ws.dir, 'wait.py');
      fs.writeFileSync(script, WAITING_SCRIPT);
      const rex = startRex(ws, ['run', script, '--web', '-o', ws.outputDir]);
      const [, url, token] = await rex.waitForOutput(/web view: (http:\/\/\S+)\/ui\/ {2}\(token: ([\w-]+)\)/);
      const { page, context, problems } = await openPage(browser());
      try {
        await logIn(page, url!, '#/start', token);
        expect(await page.locator('[data-field="one-run"]').textContent()).toContain('Runs are started with rex serve');
        expect(await page.getByRole('button', { name: 'Start' }).count()).toBe(0);
        await screenshot(page, 'web-start-one-run');
        expect(problems).toEqual([]);
      } finally {
        await context.close();
        // A kill before the script has started is lost (as on rex serve above): wait for it.
        await rex.waitForOutput(/form_wait: ready/);
        await fetch(`${url}/kill`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
        await rex.done;
      }
    }, 30_000);
  });
});
