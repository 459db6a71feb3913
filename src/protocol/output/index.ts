/** The output TOML file (SPEC §5): layout and streaming renderer, value formatting, file name. */
export * from './file-name.js';
export * from './render.js';
export * from './source.js';
export * from './toml-values.js';
