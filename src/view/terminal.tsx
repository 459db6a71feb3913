/**
 * Runs the TUI in this process's terminal: alternate screen, ink at ≤ 10 frames per second,
 * polling in the background; returns when the user quits (or the hosting run goes away).
 */
import { render } from 'ink';
import { App } from './components/App.js';
import { type FromView, isToView } from './hosted-ipc.js';
import { paletteOf } from './theme.js';
import type { Transport } from './transport/transport.js';
import { ViewController } from './view-controller.js';

export interface TerminalViewOptions {
  transport: Transport;
  /** `config.general.theme` (or --theme); unknown names fall back to dracula. */
  theme: string | undefined;
  /** Hosted by `rex run -i` over this process's IPC channel. */
  hosted: boolean;
  /** Shown in the log pane at the start (e.g. config warnings). */
  notes?: string[];
}

const ENTER_ALT_SCREEN = '\u001b[?1049h\u001b[2J\u001b[H';
const LEAVE_ALT_SCREEN = '\u001b[?1049l';
const SHOW_CURSOR = '\u001b[?25h';

export async function runTerminalView(options: TerminalViewOptions): Promise<void> {
  const send = (message: FromView): void => {
    if (process.connected) process.send?.(message);
  };
  const controller = new ViewController({
    transport: options.transport,
    mode: options.hosted ? 'run' : 'view',
    onQuit: () => {
      if (options.hosted) send({ type: 'quit' });
      instance.unmount();
    },
  });
  const notes = (options.notes ?? []).map((message) => ({ ts: Date.now(), level: 'warn' as const, source: 'view', message }));
  if (notes.length > 0) controller.dispatch({ type: 'log', lines: notes });
  const onMessage = (message: unknown): void => {
    if (!isToView(message)) return;
    switch (message.type) {
      case 'log':
        controller.dispatch({ type: 'log', lines: message.lines });
        break;
      case 'paused':
        controller.dispatch({ type: 'paused', paused: message.paused });
        break;
      case 'iteration':
        controller.dispatch({
          type: 'hosted-iteration',
          phase: message.phase,
          loop: message.loop,
          loops: message.loops,
          outputFile: message.outputFile,
        });
        break;
      case 'finished':
        controller.dispatch({ type: 'hosted-finished', at: Date.now(), lines: message.lines });
        break;
    }
  };
  const leave = (): void => instance.unmount();

  process.stdout.write(ENTER_ALT_SCREEN);
  const instance = render(<App controller={controller} palette={paletteOf(options.theme)} />, {
    exitOnCtrlC: false,
    maxFps: 10,
    patchConsole: true,
  });
  if (options.hosted) {
    process.on('message', onMessage);
    send({ type: 'ready' });
    // The run is gone (it ended, or was killed): nothing left to show.
    process.on('disconnect', leave);
  }
  process.on('SIGTERM', leave);
  process.on('SIGHUP', leave);
  controller.start();
  try {
    await instance.waitUntilExit();
  } finally {
    process.off('message', onMessage);
    process.off('disconnect', leave);
    process.off('SIGTERM', leave);
    process.off('SIGHUP', leave);
    await controller.stop();
    process.stdout.write(SHOW_CURSOR + LEAVE_ALT_SCREEN);
  }
}
