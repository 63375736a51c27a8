import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOOK_MANAGER_FILES, SIMPLE_GIT_HOOKS_KEY } from '../../core/hookManagers.js';

export type ManagerName = 'lefthook' | 'simple-git-hooks' | 'pre-commit';

export interface DetectedManager {
  manager: ManagerName;
  /** The configuration file, relative to the repository root. */
  file: string;
}

const MAIN_FILES: Record<ManagerName, RegExp> = {
  lefthook: /^(\.config\/)?\.?lefthook\.(yml|yaml|json|jsonc|toml)$/,
  'simple-git-hooks': /^\.?simple-git-hooks\.(cjs|js|mjs|json)$/,
  'pre-commit': /^\.pre-commit-config\.ya?ml$/,
};

/** The hook managers this repository is set up for, each with the configuration file it reads first. */
export function detectManagers(root: string): DetectedManager[] {
  const found: DetectedManager[] = [];
  for (const manager of Object.keys(MAIN_FILES) as ManagerName[]) {
    const file = HOOK_MANAGER_FILES.find((f) => MAIN_FILES[manager].test(f) && existsSync(join(root, f)));
    if (file) found.push({ manager, file });
    else if (manager === 'simple-git-hooks' && packageJsonHasKey(root)) found.push({ manager, file: 'package.json' });
  }
  return found;
}

function packageJsonHasKey(root: string): boolean {
  try {
    const parsed = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
    return parsed[SIMPLE_GIT_HOOKS_KEY] !== undefined;
  } catch {
    return false;
  }
}
