import { z } from 'zod';
import { SIGNING_ALGORITHMS } from '../core/algorithms.js';
import { KMSSIG_HOOKS, type HookName } from '../core/hookNames.js';
import { messages } from '../messages.js';

/** What `kmssig init` writes as keyId when no --key is given: refused until someone sets the real key. */
export const INIT_PLACEHOLDER_KEY = 'REPLACE-WITH-YOUR-KMS-KEY';

/** A configuration refused only because its keyId is still init's placeholder (install still puts the hooks in place). */
export const isPlaceholderKeyError = (error: unknown): boolean =>
  error instanceof Error && error.message.includes(messages.initPlaceholderKey());

/** How far the search for the nearest signed commit walks by default (verify.maxCommits). */
export const DEFAULT_MAX_COMMITS = 100_000;

const hookMode = z.enum(['block', 'warn', 'off']);
// Every hook kmssig runs blocks by default: one entry per name of core/hookNames.ts.
const hookModes = Object.fromEntries(KMSSIG_HOOKS.map((h) => [h, hookMode.default('block')])) as {
  [H in HookName]: z.ZodDefault<typeof hookMode>;
};
const defaultHookModes = Object.fromEntries(KMSSIG_HOOKS.map((h) => [h, 'block'])) as Record<HookName, 'block'>;
const pattern = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'must be relative to the repository root, without ".."');
/** Context keys kmssig sets from git; static pairs may not take them over. */
export const GIT_CONTEXT_KEYS = ['commit', 'branch', 'tag', 'author', 'remote'];
// Keys are checked on the whole record, not with a key schema: zod reports a
// failed record key as a bare "Invalid key in record", hiding the rule.
const contextPairs = z.record(z.string(), z.string()).superRefine((pairs, ctx) => {
  for (const key of Object.keys(pairs)) {
    const rule = reservedKeyRule(key);
    if (rule) ctx.addIssue({ code: 'custom', path: [key], message: rule });
  }
});

/** Why a static context key cannot be used, or undefined when it can. */
export function reservedKeyRule(key: string): string | undefined {
  if (key === '') return messages.contextKeyEmpty();
  if (/^aws/i.test(key)) return messages.contextKeyAws(key);
  if (GIT_CONTEXT_KEYS.includes(key)) return messages.contextKeyFromGit(key, GIT_CONTEXT_KEYS);
  return undefined;
}

/** The configuration (.kmssigrc and friends). Unknown keys are errors: a typo must not disable a check. */
const configObject = z.strictObject({
  keyId: z
    .string()
    .min(1)
    .refine((k) => k !== INIT_PLACEHOLDER_KEY, messages.initPlaceholderKey())
    .optional(),
  region: z.string().min(1).optional(),
  endpoint: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, such as https://kms.us-east-1.amazonaws.com' }).optional(),
  algorithm: z.enum(SIGNING_ALGORITHMS).optional(),
  files: z.array(pattern).min(1),
  exclude: z.array(pattern).default([]),
  /** `files` patterns that may match nothing (files that come and go); every other pattern must match a file. */
  allowEmpty: z.array(pattern).default([]),
  context: contextPairs.default({}),
  git: z
    .strictObject({
      branch: z.boolean().default(true),
      author: z.boolean().default(true),
      remote: z.boolean().default(false),
    })
    .default({ branch: true, author: true, remote: false }),
  verify: z
    .strictObject({
      keys: z.array(z.string().min(1)).default([]),
      refs: z.array(z.string().min(1)).default([]),
      requireContext: z.array(z.string().min(1)).default([]),
      publicKeys: z.array(pattern).default([]),
      maxCommits: z.number().int().positive().default(DEFAULT_MAX_COMMITS),
    })
    .default({ keys: [], refs: [], requireContext: [], publicKeys: [], maxCommits: DEFAULT_MAX_COMMITS }),
  sign: z
    .strictObject({
      /** pre-push signs every commit of the pushed range that changes a release file, up to this many. */
      maxCommitsPerPush: z.number().int().positive().default(100),
    })
    .default({ maxCommitsPerPush: 100 }),
  hooks: z
    .strictObject({
      /** A committed hooks folder other than .husky/ (say, the one core.hooksPath names): always signed. */
      dir: pattern.optional(),
      ...hookModes,
    })
    .default(defaultHookModes),
});

// An allowEmpty entry that is not a pattern of files allows nothing: most likely a typo of one that is.
export const configSchema = configObject.superRefine((config, ctx) => {
  config.allowEmpty.forEach((p, i) => {
    if (!config.files.includes(p)) ctx.addIssue({ code: 'custom', path: ['allowEmpty', i], message: messages.allowEmptyNotInFiles(p) });
  });
});

export type Config = z.infer<typeof configSchema>;
export type { HookName } from '../core/hookNames.js';
export type HookMode = z.infer<typeof hookMode>;
