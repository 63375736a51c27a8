/**
 * The command a hook manager runs for a kmssig hook: the same lookup as the
 * package's hook scripts (the project's node_modules/.bin first, then PATH);
 * managers run their commands from the repository root. A kmssig that cannot
 * be found fails the command, so a push is blocked rather than left unsigned.
 */
export const FIND_KMSSIG = 'k=node_modules/.bin/kmssig; [ -x "$k" ] || k=kmssig;';

/** sh text, with the hook's arguments as "$@" (simple-git-hooks writes it into the hook file itself). */
export const shCommand = (hook: string) => `${FIND_KMSSIG} "$k" hook ${hook} "$@"`;

/** lefthook: git's arguments are {1}, {2}, ...; standard input comes with use_stdin. */
export const LEFTHOOK_ARGS: Record<string, string> = {
  'pre-push': '{1} {2}',
  'post-merge': '{1}',
  'post-checkout': '{1} {2} {3}',
  'post-rewrite': '{1}',
};
export const lefthookCommand = (hook: string) => `${FIND_KMSSIG} "$k" hook ${hook} ${LEFTHOOK_ARGS[hook] ?? ''}`.trimEnd();

const Z40 = '0'.repeat(40);

/**
 * The pre-commit framework reads git's standard input itself and hands a hook
 * only environment variables: for pre-push, the first pushed ref with new
 * commits (pre_commit/commands/hook_impl.py, _pre_push_ns). kmssig gets that
 * one ref line rebuilt from them.
 */
const PRE_COMMIT_ARGS: Record<string, string> = {
  'pre-push':
    `printf "%s %s %s %s\\n" "$PRE_COMMIT_LOCAL_BRANCH" "\${PRE_COMMIT_TO_REF:-$(git rev-parse --verify -q "$PRE_COMMIT_LOCAL_BRANCH")}" ` +
    `"$PRE_COMMIT_REMOTE_BRANCH" "\${PRE_COMMIT_FROM_REF:-${Z40}}" | "$k" hook pre-push "$PRE_COMMIT_REMOTE_NAME" "$PRE_COMMIT_REMOTE_URL"`,
  'post-merge': '"$k" hook post-merge "$PRE_COMMIT_IS_SQUASH_MERGE"',
  'post-checkout': '"$k" hook post-checkout "$PRE_COMMIT_FROM_REF" "$PRE_COMMIT_TO_REF" "$PRE_COMMIT_CHECKOUT_TYPE"',
  'post-rewrite': '"$k" hook post-rewrite "$PRE_COMMIT_REWRITE_COMMAND"',
};
export const preCommitScript = (hook: string) => `${FIND_KMSSIG} ${PRE_COMMIT_ARGS[hook]}`;

/** Whether a manager's command text runs kmssig for this hook. */
export const runsKmssig = (text: string, hook: string) => new RegExp(`"\\$k" hook ${hook}\\b|kmssig hook ${hook}\\b`).test(text);
