/**
 * A bordered box of a fixed size with its title set into the top border, as the original's
 * ratatui blocks looked. Children are laid out in the inner area (width − 2 × height − 2).
 */
import type { ReactNode } from 'react';
import { Box, Text } from 'ink';

export interface PanelProps {
  title: string;
  width: number;
  height: number;
  borderColor: string;
  titleColor: string;
  children?: ReactNode;
}

export function Panel({ title, width, height, borderColor, titleColor, children }: PanelProps) {
  const inner = Math.max(0, width - 2);
  const label = title && inner > 4 ? ` ${fit(title, inner - 3)} ` : '';
  const rest = Math.max(0, inner - 1 - label.length);
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0}>
      <Text wrap="truncate">
        <Text color={borderColor}>{`╭${inner > 0 ? '─' : ''}`}</Text>
        <Text color={titleColor} bold>
          {label}
        </Text>
        <Text color={borderColor}>{`${'─'.repeat(rest)}╮`}</Text>
      </Text>
      <Box
        borderStyle="round"
        borderTop={false}
        borderColor={borderColor}
        width={width}
        height={Math.max(1, height - 1)}
        flexDirection="column"
        overflow="hidden"
      >
        {children}
      </Box>
    </Box>
  );
}

/** `text` cut to `width` characters, with an ellipsis when it was longer. */
export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}
