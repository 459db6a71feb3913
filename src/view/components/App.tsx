/**
 * The TUI bound to a ViewController: re-renders when the controller says the state changed
 * (≤ 10 Hz), turns key presses into its actions, and follows the terminal's size.
 */
import { useEffect, useState, useSyncExternalStore } from 'react';
import { useInput, useStdout } from 'ink';
import { keyAction } from '../model/keys.js';
import type { Palette } from '../theme.js';
import type { ViewController } from '../view-controller.js';
import { TuiView } from './TuiView.js';

export interface AppProps {
  controller: ViewController;
  palette: Palette;
  /** Fixed size (tests); without it the terminal's size, less one row so ink never scrolls. */
  size?: { columns: number; rows: number };
}

export function App({ controller, palette, size }: AppProps) {
  const state = useSyncExternalStore(controller.subscribe, controller.getState);
  const terminal = useTerminalSize(size === undefined);
  useInput((input, key) => {
    const action = keyAction(input, key, controller.getState().tab);
    if (action) controller.handleKey(action);
  });
  const { columns, rows } = size ?? terminal;
  return <TuiView state={state} palette={palette} columns={columns} rows={rows} />;
}

type TerminalSize = { columns: number; rows: number };

const sizeOf = (stdout: NodeJS.WriteStream): TerminalSize => ({
  columns: stdout.columns || 80,
  rows: Math.max(1, (stdout.rows || 24) - 1),
});

function useTerminalSize(active: boolean): TerminalSize {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => sizeOf(stdout));
  useEffect(() => {
    if (!active) return;
    const onResize = (): void => setSize(sizeOf(stdout));
    stdout.on('resize', onResize);
    return () => void stdout.off('resize', onResize);
  }, [active, stdout]);
  return size;
}
