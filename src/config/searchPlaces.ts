/** The files cosmiconfig looks for, at the repository root only (kept apart so hooks can read them without loading cosmiconfig). */
export const SEARCH_PLACES = [
  'package.json',
  '.kmssigrc',
  '.kmssigrc.json',
  '.kmssigrc.yaml',
  '.kmssigrc.yml',
  '.kmssigrc.js',
  '.kmssigrc.cjs',
  '.kmssigrc.mjs',
  'kmssig.config.js',
  'kmssig.config.cjs',
  'kmssig.config.mjs',
];
