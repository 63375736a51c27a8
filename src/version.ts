/**
 * The package version. A constant rather than a read of package.json: every
 * run needs it (the hooks' decision key), and the read cost ~2 ms of a hook's
 * start. test/unit/version.test.ts fails when it differs from package.json.
 */
export const version = '0.1.0';
