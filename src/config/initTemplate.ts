/** Build output folders `kmssig init` looks for at the repository root, in this order. */
export const BUILD_FOLDERS = ['dist', 'build', 'release', 'out'];

/**
 * owner/name from a remote URL of the usual forms (https://host/owner/name.git,
 * git@host:owner/name.git, ssh://git@host/owner/name), else undefined.
 */
export function repoSlug(url: string | undefined): string | undefined {
  const match = url?.trim().match(/^(?:[a-z+]+:\/\/(?:[^@/]+@)?[^/]+(?::\d+)?\/|[^@/:]+@[^:/]+:)([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/i);
  return match ? `${match[1]}/${match[2]}` : undefined;
}

const yamlString = (s: string) => (/^[\w./:@-]+$/.test(s) && !/^[-:@]/.test(s) ? s : JSON.stringify(s));

/** The commented starting configuration (YAML) that `kmssig init` writes. */
export function initConfigText(options: { keyId: string; files: readonly string[]; repo?: string }): string {
  const lines = [
    '# kmssig configuration, written by `kmssig init`. Every key: docs/configuration.md.',
    '# It is data (no code runs from it), read from the commit it governs; whatever file',
    '# holds it is always signed too, so a change to it needs a signed push like a release.',
    '',
    '# The KMS key that signs releases: a key ARN, a key ID or an alias (alias/release).',
    '# Records store the key ARN; CI pins that ARN (kmssig check --key <arn>).',
    `keyId: ${yamlString(options.keyId)}`,
    '',
    '# Release files: fast-glob patterns relative to the repository root, as committed',
    '# (an ignored build folder has nothing to sign: commit the release, or list other files).',
    'files:',
    ...options.files.map((f) => `  - ${yamlString(f)}`),
    '',
    '# Context every record carries, checked in CI with --context, so that the genuine',
    '# records of another repository signed with the same key never count here.',
    ...(options.repo ? ['context:', `  repo: ${yamlString(options.repo)}`] : ['# context:', '#   repo: acme/app']),
    '',
  ];
  return lines.join('\n');
}
