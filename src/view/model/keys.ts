/**
 * The original's keys (SPEC §11), as actions. Which tab is showing decides what the arrows do.
 */
import { formatCount } from '../../protocol/human-units.js';
import { FULL_TRACE_POINTS, LIVE_WINDOW } from '../../protocol/live-query.js';

export type KeyAction =
  | 'device-next'
  | 'device-prev'
  | 'stream-next'
  | 'stream-prev'
  | 'set-x'
  | 'set-y'
  | 'clear-axes'
  | 'toggle-full'
  | 'scroll-up'
  | 'scroll-down'
  | 'switch-tab'
  | 'toggle-help'
  | 'close-help'
  | 'pause'
  | 'resume'
  | 'kill'
  | 'quit';

/** The parts of ink's `Key` this needs (kept structural so tests can pass plain objects). */
export interface KeyPress {
  upArrow?: boolean;
  downArrow?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
  tab?: boolean;
  escape?: boolean;
  ctrl?: boolean;
}

export type Tab = 'data' | 'session';

export function keyAction(input: string, key: KeyPress, tab: Tab): KeyAction | undefined {
  if (key.ctrl && input === 'c') return 'quit';
  if (key.tab) return 'switch-tab';
  if (key.escape) return 'close-help';
  if (tab === 'data') {
    if (key.downArrow) return 'device-next';
    if (key.upArrow) return 'device-prev';
    if (key.rightArrow) return 'stream-next';
    if (key.leftArrow) return 'stream-prev';
  } else {
    if (key.downArrow) return 'scroll-down';
    if (key.upArrow) return 'scroll-up';
  }
  if (key.ctrl) return undefined;
  switch (input) {
    case 'q':
      return 'quit';
    case 'm':
      return 'toggle-help';
    case 'p':
      return 'pause';
    case 'r':
      return 'resume';
    case 'k':
      return 'kill';
  }
  if (tab !== 'data') return undefined;
  switch (input) {
    case 'x':
      return 'set-x';
    case 'y':
      return 'set-y';
    case 'c':
      return 'clear-axes';
    case 'f':
      return 'toggle-full';
  }
  return undefined;
}

/** The help popup's lines: key, what it does. */
export const KEY_HELP: ReadonlyArray<readonly [string, string]> = [
  ['↑ / ↓', 'select device (Data) · scroll (Session)'],
  ['← / →', 'select stream'],
  ['x / y', 'plot the selected stream on the X / Y axis'],
  ['c', 'clear both axes'],
  ['f', `traces in full (up to ${formatCount(FULL_TRACE_POINTS)} points) / reduced to ${LIVE_WINDOW}`],
  ['p / r', 'pause / resume the run (scripts see Paused / Running)'],
  ['k', 'kill: end the current run iteration'],
  ['Tab', 'switch between the Data and Session tabs'],
  ['m', 'show / hide this help'],
  ['q', 'quit (in rex run -i: end the run, then quit)'],
];
