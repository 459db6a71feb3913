/**
 * Colour themes: the original's (config `general.theme`, kebab-case names; dracula by default),
 * each a semantic palette of the published colour scheme. Components ask for roles, not colours.
 */
import { THEMES, type Theme } from '../protocol/config.js';

export interface Palette {
  /** Active tab, focused borders, selection marker. */
  accent: string;
  secondary: string;
  fg: string;
  muted: string;
  /** Background of the selected list row. */
  selection: string;
  error: string;
  warning: string;
  success: string;
  /** The chart's line, info log lines. */
  info: string;
}

const PALETTES: Record<Theme, Palette> = {
  dracula: {
    accent: '#bd93f9',
    secondary: '#ff79c6',
    fg: '#f8f8f2',
    muted: '#6272a4',
    selection: '#44475a',
    error: '#ff5555',
    warning: '#ffb86c',
    success: '#50fa7b',
    info: '#8be9fd',
  },
  'one-dark-pro': {
    accent: '#61afef',
    secondary: '#c678dd',
    fg: '#abb2bf',
    muted: '#5c6370',
    selection: '#3e4451',
    error: '#e06c75',
    warning: '#e5c07b',
    success: '#98c379',
    info: '#56b6c2',
  },
  nord: {
    accent: '#88c0d0',
    secondary: '#81a1c1',
    fg: '#eceff4',
    muted: '#4c566a',
    selection: '#434c5e',
    error: '#bf616a',
    warning: '#ebcb8b',
    success: '#a3be8c',
    info: '#5e81ac',
  },
  'catppuccin-mocha': {
    accent: '#89b4fa',
    secondary: '#f5c2e7',
    fg: '#cdd6f4',
    muted: '#6c7086',
    selection: '#313244',
    error: '#f38ba8',
    warning: '#f9e2af',
    success: '#a6e3a1',
    info: '#94e2d5',
  },
  'catppuccin-latte': {
    accent: '#1e66f5',
    secondary: '#ea76cb',
    fg: '#4c4f69',
    muted: '#8c8fa1',
    selection: '#ccd0da',
    error: '#d20f39',
    warning: '#df8e1d',
    success: '#40a02b',
    info: '#179299',
  },
  'gruvbox-dark': {
    accent: '#fabd2f',
    secondary: '#d3869b',
    fg: '#ebdbb2',
    muted: '#928374',
    selection: '#504945',
    error: '#fb4934',
    warning: '#fe8019',
    success: '#b8bb26',
    info: '#83a598',
  },
  'gruvbox-light': {
    accent: '#b57614',
    secondary: '#8f3f71',
    fg: '#3c3836',
    muted: '#928374',
    selection: '#d5c4a1',
    error: '#9d0006',
    warning: '#af3a03',
    success: '#79740e',
    info: '#427b58',
  },
  'tokyo-night': {
    accent: '#7aa2f7',
    secondary: '#bb9af7',
    fg: '#c0caf5',
    muted: '#565f89',
    selection: '#292e42',
    error: '#f7768e',
    warning: '#e0af68',
    success: '#9ece6a',
    info: '#7dcfff',
  },
  'solarized-dark': {
    accent: '#268bd2',
    secondary: '#6c71c4',
    fg: '#839496',
    muted: '#586e75',
    selection: '#073642',
    error: '#dc322f',
    warning: '#b58900',
    success: '#859900',
    info: '#2aa198',
  },
  'solarized-light': {
    accent: '#268bd2',
    secondary: '#6c71c4',
    fg: '#657b83',
    muted: '#93a1a1',
    selection: '#eee8d5',
    error: '#dc322f',
    warning: '#b58900',
    success: '#859900',
    info: '#2aa198',
  },
  'monokai-pro': {
    accent: '#ffd866',
    secondary: '#ab9df2',
    fg: '#fcfcfa',
    muted: '#727169',
    selection: '#51504f',
    error: '#ff6188',
    warning: '#fc9867',
    success: '#a9dc76',
    info: '#78dce8',
  },
  'rose-pine': {
    accent: '#ebbcba',
    secondary: '#c4a7e7',
    fg: '#e0def4',
    muted: '#6e6a86',
    selection: '#26233a',
    error: '#eb6f92',
    warning: '#f6c177',
    success: '#9ccfd8',
    info: '#31748f',
  },
  kanagawa: {
    accent: '#7fb4ca',
    secondary: '#957fb8',
    fg: '#dcd7ba',
    muted: '#54546d',
    selection: '#363646',
    error: '#c34043',
    warning: '#ffa96b',
    success: '#76946a',
    info: '#7e9cd8',
  },
  everforest: {
    accent: '#83c178',
    secondary: '#d699b6',
    fg: '#d3c6aa',
    muted: '#859289',
    selection: '#444e4f',
    error: '#e67e80',
    warning: '#dbbc7f',
    success: '#a7c080',
    info: '#7cc3bf',
  },
  cyberpunk: {
    accent: '#00ffff',
    secondary: '#ff00ff',
    fg: '#f0f0f0',
    muted: '#64648c',
    selection: '#281450',
    error: '#ff003c',
    warning: '#ffe600',
    success: '#00ff64',
    info: '#00b4ff',
  },
};

export const DEFAULT_THEME: Theme = 'dracula';

/** The palette of a theme name; unknown names get dracula, as in the original. */
export function paletteOf(name: string | undefined): Palette {
  return PALETTES[isTheme(name) ? name : DEFAULT_THEME];
}

export function isTheme(name: string | undefined): name is Theme {
  return (THEMES as readonly string[]).includes(name ?? '');
}
