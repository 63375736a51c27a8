import type { KMSClient } from '@aws-sdk/client-kms';
import type { Context } from '../core/context.js';
import { messages } from '../messages.js';
import { KmsError, type KeyInfo, type KeyManagement, type KmsFailureKind } from './keyManagement.js';

export interface AwsKmsOptions {
  region?: string;
  endpoint?: string;
  /** Per-request timeout; a hook must never hang. */
  timeoutMs?: number;
  maxAttempts?: number;
  /** One deadline for every call of the run, retries included (hooks: git must never be held for long). */
  deadlineMs?: number;
}

type Sdk = typeof import('@aws-sdk/client-kms');

/**
 * The only module that talks to AWS KMS. The SDK is imported on first use so
 * that commands and hooks with nothing to sign or verify start fast.
 */
export function createAwsKms(options: AwsKmsOptions = {}): KeyManagement {
  let loaded: Promise<{ sdk: Sdk; client: KMSClient }> | undefined;
  const load = () => (loaded ??= connect(options));

  let deadline: number | undefined;
  async function call<T>(operation: string, run: (sdk: Sdk, client: Pick<KMSClient, 'send'>) => Promise<T>): Promise<T> {
    const { sdk, client } = await load();
    if (options.deadlineMs === undefined) {
      try {
        return await run(sdk, client);
      } catch (error) {
        throw toKmsError(operation, error, options);
      }
    }
    deadline ??= Date.now() + options.deadlineMs;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), Math.max(0, deadline - Date.now()));
    // The SDK's send takes an abort signal: every retry of this call ends with the run's deadline.
    const bounded: Pick<KMSClient, 'send'> = {
      send: ((command: never) => client.send(command, { abortSignal: abort.signal })) as KMSClient['send'],
    };
    try {
      return await run(sdk, bounded);
    } catch (error) {
      if (abort.signal.aborted)
        throw toKmsError(operation, { name: 'TimeoutError', message: messages.kmsDeadline(options.deadlineMs) }, options);
      throw toKmsError(operation, error, options);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    describeKey: (keyId) =>
      call('DescribeKey', async (sdk, client) => {
        const out = await client.send(new sdk.DescribeKeyCommand({ KeyId: keyId }));
        const meta = out.KeyMetadata;
        return {
          arn: meta?.Arn ?? keyId,
          spec: meta?.KeySpec ?? 'SYMMETRIC_DEFAULT',
          usage: meta?.KeyUsage ?? 'ENCRYPT_DECRYPT',
          signingAlgorithms: meta?.SigningAlgorithms ?? [],
        } satisfies KeyInfo;
      }),
    encrypt: (keyId, plaintext, context) =>
      call('Encrypt', async (sdk, client) => {
        const out = await client.send(new sdk.EncryptCommand({ KeyId: keyId, Plaintext: plaintext, EncryptionContext: nonEmpty(context) }));
        return { ciphertext: out.CiphertextBlob ?? new Uint8Array(), keyId: out.KeyId ?? keyId };
      }),
    decrypt: (ciphertext, context, keyId) =>
      call('Decrypt', async (sdk, client) => {
        const out = await client.send(
          new sdk.DecryptCommand({ CiphertextBlob: ciphertext, EncryptionContext: nonEmpty(context), KeyId: keyId }),
        );
        return { plaintext: out.Plaintext ?? new Uint8Array(), keyId: out.KeyId ?? '' };
      }),
    sign: (keyId, message, algorithm) =>
      call('Sign', async (sdk, client) => {
        const out = await client.send(
          new sdk.SignCommand({ KeyId: keyId, Message: message, MessageType: 'RAW', SigningAlgorithm: algorithm as never }),
        );
        return { signature: out.Signature ?? new Uint8Array(), keyId: out.KeyId ?? keyId };
      }),
    getPublicKey: (keyId) =>
      call('GetPublicKey', async (sdk, client) => {
        const out = await client.send(new sdk.GetPublicKeyCommand({ KeyId: keyId }));
        return {
          der: out.PublicKey ?? new Uint8Array(),
          spec: out.KeySpec ?? out.CustomerMasterKeySpec ?? '',
          // moto answers GetPublicKey for symmetric keys too (AWS refuses): the usage tells them apart.
          usage: out.KeyUsage ?? '',
          // AWS answers the key ARN; moto the bare key ID, which says less than what the user named.
          keyId: out.KeyId?.startsWith('arn:') ? out.KeyId : keyId,
        };
      }),
  };
}

async function connect(options: AwsKmsOptions) {
  // On Node.js 20 the SDK prints a multi-line support notice on stderr; it
  // would drown a hook's one-line output, so kmssig keeps it quiet unless the
  // user has set the variable themselves.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const sdk = await import('@aws-sdk/client-kms');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const client = new sdk.KMSClient({
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    maxAttempts: options.maxAttempts ?? 4,
    // Without throwOnRequestTimeout the SDK only logs a warning when requestTimeout passes, and the call hangs on.
    requestHandler: { connectionTimeout: Math.min(timeoutMs, 3_000), requestTimeout: timeoutMs, throwOnRequestTimeout: true },
  });
  return { sdk, client };
}

function nonEmpty(context: Context): Context | undefined {
  return Object.keys(context).length > 0 ? context : undefined;
}

const kindsByName: Record<string, KmsFailureKind> = {
  InvalidCiphertextException: 'bad-ciphertext',
  IncorrectKeyException: 'wrong-key',
  KMSInvalidSignatureException: 'bad-ciphertext',
  AccessDeniedException: 'access-denied',
  NotFoundException: 'not-found',
  CredentialsProviderError: 'credentials',
  ExpiredTokenException: 'credentials',
  UnrecognizedClientException: 'credentials',
  InvalidSignatureException: 'credentials',
  ThrottlingException: 'throttled',
  DisabledException: 'key-state',
  KMSInvalidStateException: 'key-state',
  InvalidKeyUsageException: 'key-state',
  UnsupportedOperationException: 'key-state',
  TimeoutError: 'unreachable',
  RequestTimeout: 'unreachable',
};

const networkCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH']);

/** moto's messages are empty: branch on the error's name, never its message. */
function toKmsError(operation: string, error: unknown, options: AwsKmsOptions): KmsError {
  const err = error as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  let kind: KmsFailureKind = kindsByName[err.name ?? ''] ?? 'other';
  if (kind === 'other' && (networkCodes.has(err.code ?? '') || networkCodes.has(err.name ?? ''))) kind = 'unreachable';
  if (kind === 'other' && /region is missing/i.test(err.message ?? '')) kind = 'credentials';
  if (kind === 'other' && (err.$metadata?.httpStatusCode ?? 0) >= 500) kind = 'unreachable';
  const detail = [err.name, err.code, err.message].filter((s) => s && s !== 'UnknownError').join(': ');
  return new KmsError(kind, messages.kmsFailure(operation, kind, detail, options.endpoint ?? process.env.AWS_ENDPOINT_URL_KMS), {
    cause: error,
  });
}
