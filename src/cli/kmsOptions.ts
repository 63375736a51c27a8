import type { OptionSpec } from './args.js';

/** Options shared by every command that reaches KMS. */
export const kmsOptions: Record<string, OptionSpec> = {
  region: { type: 'string', value: 'region', help: 'AWS region (default: AWS_REGION or the AWS profile)' },
  endpoint: { type: 'string', value: 'url', help: 'KMS endpoint URL (default: AWS_ENDPOINT_URL_KMS or AWS)' },
};

/** The overall deadline of a hook's KMS calls: a hook never holds git for long. */
export function hookDeadlineMs(env: NodeJS.ProcessEnv): number {
  const seconds = Number(env.KMSSIG_HOOK_TIMEOUT);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 5000;
}

export function kmsTimeoutMs(env: NodeJS.ProcessEnv): number | undefined {
  const seconds = Number(env.KMSSIG_KMS_TIMEOUT);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}
