/**
 * Where a configuration may live, at the repository root only (kept apart so
 * hooks can name them without loading cosmiconfig). Data formats only: the
 * order is cosmiconfig's, and package.json counts only with a "kmssig" key.
 */
export const SEARCH_PLACES = ['package.json', '.kmssigrc', '.kmssigrc.json', '.kmssigrc.yaml', '.kmssigrc.yml'];

const CODE_EXTENSIONS = ['js', 'cjs', 'mjs', 'ts', 'cts', 'mts'];

/**
 * Files that would make cosmiconfig run code or look elsewhere (DESIGN 3.4):
 * JavaScript configuration and the meta configuration in `.config/`. Their
 * presence is refused, never silently passed over, so that nobody believes
 * such a file is in force.
 */
export const REFUSED_PLACES = [
  ...CODE_EXTENSIONS.map((ext) => `.kmssigrc.${ext}`),
  ...CODE_EXTENSIONS.map((ext) => `kmssig.config.${ext}`),
  '.config/kmssigrc',
  ...['json', 'yaml', 'yml', ...CODE_EXTENSIONS].map((ext) => `.config/kmssigrc.${ext}`),
];

/** cosmiconfig's meta configuration: refused only when it configures cosmiconfig. */
export const META_PLACES = ['.config/config.json', '.config/config.yaml', '.config/config.yml'];
