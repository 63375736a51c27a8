import { z } from 'zod';
import { SIGNING_ALGORITHMS } from '../core/algorithms.js';

const hookMode = z.enum(['block', 'warn', 'off']);
const pattern = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'must be relative to the repository root, without ".."');
/** Context keys kmssig sets from git; static pairs may not take them over. */
export const GIT_CONTEXT_KEYS = ['commit', 'branch', 'tag', 'author', 'remote'];
const contextKey = z
  .string()
  .min(1)
  .refine((k) => !/^aws/i.test(k), "must not start with 'aws' (reserved by KMS)")
  .refine((k) => !GIT_CONTEXT_KEYS.includes(k), `must not be one of ${GIT_CONTEXT_KEYS.join(', ')} (set from git)`);

/** The configuration (.kmssigrc and friends). Unknown keys are errors: a typo must not disable a check. */
export const configSchema = z.strictObject({
  keyId: z.string().min(1).optional(),
  region: z.string().min(1).optional(),
  endpoint: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, such as https://kms.us-east-1.amazonaws.com' }).optional(),
  algorithm: z.enum(SIGNING_ALGORITHMS).optional(),
  files: z.array(pattern).min(1),
  exclude: z.array(pattern).default([]),
  context: z.record(contextKey, z.string()).default({}),
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
      maxCommits: z.number().int().positive().default(100_000),
    })
    .default({ keys: [], refs: [], requireContext: [], publicKeys: [], maxCommits: 100_000 }),
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
      'pre-push': hookMode.default('block'),
      'post-merge': hookMode.default('block'),
      'post-checkout': hookMode.default('block'),
      'post-rewrite': hookMode.default('block'),
    })
    .default({ 'pre-push': 'block', 'post-merge': 'block', 'post-checkout': 'block', 'post-rewrite': 'block' }),
});

export type Config = z.infer<typeof configSchema>;
export type HookName = 'pre-push' | 'post-merge' | 'post-checkout' | 'post-rewrite';
export type HookMode = z.infer<typeof hookMode>;
