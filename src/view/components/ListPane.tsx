/**
 * The device and stream lists of the Data tab, with the original's `[X]` / `[Y]` / `[X,Y]` axis
 * markers and `>>` on the selected row. Long lists scroll to keep the selection in view.
 */
import { Text } from 'ink';
import type { Palette } from '../theme.js';
import { Panel } from './Panel.js';

export interface ListItem {
  name: string;
  isX: boolean;
  isY: boolean;
}

export interface ListPaneProps {
  title: string;
  items: readonly ListItem[];
  selected: number;
  emptyText: string;
  itemColor: string;
  palette: Palette;
  width: number;
  height: number;
}

export function marker(item: ListItem): string {
  return `[${item.isX && item.isY ? 'X,Y' : item.isX ? 'X' : item.isY ? 'Y' : ' '}]`;
}

export function ListPane({ title, items, selected, emptyText, itemColor, palette, width, height }: ListPaneProps) {
  const visible = Math.max(1, height - 2);
  const first = Math.max(0, Math.min(selected - Math.floor(visible / 2), items.length - visible));
  const shown = items.slice(first, first + visible);
  return (
    <Panel title={title} width={width} height={height} borderColor={palette.muted} titleColor={palette.accent}>
      {items.length === 0 ? (
        <Text color={palette.muted} wrap="truncate">
          {emptyText}
        </Text>
      ) : (
        shown.map((item, i) => {
          const isSelected = first + i === selected;
          return (
            <Text key={item.name} wrap="truncate" backgroundColor={isSelected ? palette.selection : undefined} bold={isSelected}>
              <Text color={palette.accent}>{isSelected ? '>> ' : '   '}</Text>
              <Text color={item.isX || item.isY ? palette.warning : palette.muted}>{marker(item)}</Text>
              <Text color={itemColor}>{` ${item.name}`}</Text>
            </Text>
          );
        })
      )}
    </Panel>
  );
}
