/**
 * The git hooks kmssig installs and runs, defined once: the schema, install,
 * the trust command, the hooks' entry and the managers' tables take them from
 * here. Plain data, so the hooks' fast path imports it without zod.
 */
export const KMSSIG_HOOKS = ['pre-push', 'post-merge', 'post-checkout', 'post-rewrite'] as const;
export type HookName = (typeof KMSSIG_HOOKS)[number];

/** The hooks that verify what a pull, checkout or rewrite wrote (pre-push signs). */
export const VERIFY_HOOKS = ['post-merge', 'post-checkout', 'post-rewrite'] as const satisfies readonly HookName[];
export type VerifyHook = (typeof VERIFY_HOOKS)[number];

export const isHookName = (name: string): name is HookName => (KMSSIG_HOOKS as readonly string[]).includes(name);
