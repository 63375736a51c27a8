/** The overall deadline of a hook's KMS calls (KMSSIG_HOOK_TIMEOUT seconds, default 5): a hook never holds git for long. */
export function hookDeadlineMs(env: NodeJS.ProcessEnv): number {
  const seconds = Number(env.KMSSIG_HOOK_TIMEOUT);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 5000;
}

/** The timeout of one KMS call (KMSSIG_KMS_TIMEOUT seconds), or undefined for the SDK's own. */
export function kmsTimeoutMs(env: NodeJS.ProcessEnv): number | undefined {
  const seconds = Number(env.KMSSIG_KMS_TIMEOUT);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}
