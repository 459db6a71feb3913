/**
 * Drives a real terminal for the TUI's end-to-end tests: a private tmux server (its own socket),
 * one session of a fixed size, keys sent with send-keys, the screen read with capture-pane.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { onTestFinished, vi } from 'vitest';

export class Tmux {
  /** A socket of our own (not the user's tmux server), removed by kill(). */
  private readonly socket = path.join(os.tmpdir(), `rex-tui-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}.tmux`);

  /** Starts `command` (a shell command line) in a detached session of `columns` × `rows`. */
  start(command: string, columns = 120, rows = 40): void {
    // CI=1 as on a CI machine, where ink would otherwise draw only its last frame: the view must not.
    this.tmux('new-session', '-d', '-s', 'main', '-x', String(columns), '-y', String(rows), `CI=1 ${command}`);
  }

  /** The visible screen as plain text. */
  capture(): string {
    return this.tmux('capture-pane', '-p', '-t', 'main');
  }

  /** tmux key names (`Right`, `Tab`, `q`, ...), one at a time. */
  send(...keys: string[]): void {
    for (const key of keys) this.tmux('send-keys', '-t', 'main', key);
  }

  /** Resolves with the screen once `check` accepts it; fails with the last screen after `timeoutMs`. */
  waitFor(what: string, check: (screen: string) => boolean, timeoutMs = 30_000): Promise<string> {
    // Another process draws the screen: polled.
    return vi.waitFor(
      () => {
        let screen: string;
        try {
          screen = this.capture();
        } catch {
          screen = '(no tmux session)';
        }
        if (!check(screen)) throw new Error(`timed out waiting for ${what}; the screen:\n${screen}`);
        return screen;
      },
      { timeout: timeoutMs, interval: 150 },
    );
  }

  kill(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // already gone
    }
    fs.rmSync(this.socket, { force: true });
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-S', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }
}

/** A shell word. */
export function sh(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The Python experiment the end-to-end tests run. */
export const TUI_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/tui_stream.py');
export const BRAILLE = /[\u2801-\u28ff]/;

/** The complete lines of a file the fixture appends to ([] before it exists). */
export function lines(file: string): string[] {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

export async function waitUntil(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  await vi.waitFor(
    () => {
      if (!check()) throw new Error(`timed out waiting for ${what}`);
    },
    { timeout: timeoutMs, interval: 100 },
  );
}

/** A tmux server for this test, killed after it. */
export function newTmux(): Tmux {
  const tmux = new Tmux();
  onTestFinished(() => tmux.kill());
  return tmux;
}
