import micromatch from 'micromatch';

export interface Selection {
  /** fast-glob patterns of release files, relative to the repository root. */
  files: readonly string[];
  exclude: readonly string[];
  /** Paths always signed whatever the globs say (the configuration, public keys). */
  always: readonly string[];
  /** Folders always signed (the versioned hook folder), with a trailing slash. */
  alwaysPrefixes: readonly string[];
}

// fast-glob's matcher, with its defaults: dotfiles only when a pattern names
// them, so a pattern means the same files in a tree listing and on disk.
// `flags: 's'`: without it `**` stops at a newline, so `dist/**` would leave a
// file named "dist/a\nb" unsigned and unverified (picomatch passes flags to
// its RegExp; @types/micromatch types the option wrongly as a boolean).
const matchOptions = { dot: false, flags: 's' } as unknown as micromatch.Options;
const strip = (p: string) => p.replace(/^\.\//, '');

/** Picks the listed files from a list of repository paths; the result is sorted. */
export function selectFiles(paths: Iterable<string>, selection: Selection): string[] {
  const patterns = selection.files.map(strip);
  const ignore = selection.exclude.map(strip);
  const listed = patterns.map((p) => micromatch.matcher(p, matchOptions));
  const ignored = ignore.map((p) => micromatch.matcher(p, matchOptions));
  const isListed = (path: string) => listed.some((m) => m(path)) && !ignored.some((m) => m(path));
  const picked = new Set<string>();
  for (const path of paths) {
    const always =
      selection.always.includes(path) ||
      selection.alwaysPrefixes.some((prefix) => path.startsWith(prefix) && !path.startsWith('.husky/_/'));
    if (always || isListed(path)) picked.add(path);
  }
  return [...picked].sort();
}
