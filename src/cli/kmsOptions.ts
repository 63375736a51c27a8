import type { OptionSpec } from './args.js';

/** Options shared by every command that reaches KMS. */
export const kmsOptions: Record<string, OptionSpec> = {
  region: { type: 'string', value: 'region', help: 'AWS region (default: AWS_REGION or the AWS profile)' },
  endpoint: { type: 'string', value: 'url', help: 'KMS endpoint URL (default: AWS_ENDPOINT_URL_KMS or AWS)' },
};

export { hookDeadlineMs, kmsTimeoutMs } from '../usecases/timeouts.js';
