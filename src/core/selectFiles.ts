import micromatch from 'micromatch';

export interface Selection {
  /** fast-glob patterns of release files, relative to the repository root. */
  files: readonly string[];
  exclude: readonly string[];
  /** Paths always signed whatever the globs say (the configuration, public keys). */
  always: readonly string[];
  /** Folders always signed (the versioned hook folder), with a trailing slash. */
  alwaysPrefixes: readonly string[];
  /** `files` patterns that may match nothing (`allowEmpty`): their emptiness is neither an error nor a warning. */
  allowEmpty?: readonly string[];
}

/** What a selection picks from a listing, and which of its patterns picked nothing. */
export interface Matched {
  /** The listed paths, sorted. */
  paths: string[];
  /**
   * `files` patterns, as written, that match no path here once `exclude` is
   * applied (the always-signed paths do not count for a pattern unless it
   * names them), leaving out those in `allowEmpty`; in the order of `files`.
   */
  empty: string[];
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
  return matchFiles(paths, selection).paths;
}

/**
 * Picks the listed files and says which `files` patterns matched nothing:
 * a typo (`dsit/**`) must not quietly sign less than the user listed (DESIGN 3.2).
 */
export function matchFiles(paths: Iterable<string>, selection: Selection): Matched {
  const listed = selection.files.map((p) => micromatch.matcher(strip(p), matchOptions));
  const ignored = selection.exclude.map((p) => micromatch.matcher(strip(p), matchOptions));
  const hit = listed.map(() => false);
  const picked = new Set<string>();
  for (const path of paths) {
    const always =
      selection.always.includes(path) ||
      selection.alwaysPrefixes.some((prefix) => path.startsWith(prefix) && !path.startsWith('.husky/_/'));
    if (!listed.some((m) => m(path)) || ignored.some((m) => m(path))) {
      if (always) picked.add(path);
      continue;
    }
    picked.add(path);
    // Only patterns not yet seen matching are tried again: once all have matched, this costs nothing.
    for (let i = 0; i < listed.length; i++) if (!hit[i] && listed[i]!(path)) hit[i] = true;
  }
  const allowed = new Set(selection.allowEmpty ?? []);
  const empty = selection.files.filter((p, i) => !hit[i] && !allowed.has(p));
  return { paths: [...picked].sort(), empty };
}
