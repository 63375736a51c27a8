import { CreateAliasCommand, CreateKeyCommand, GetPublicKeyCommand, KMSClient, type KeySpec } from '@aws-sdk/client-kms';

/** Test-side KMS administration (creating keys): the product code never does this. */
export function adminClient(endpoint: string): KMSClient {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  return new KMSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
}

export async function createKey(endpoint: string, options: { alias?: string; spec?: KeySpec } = {}): Promise<string> {
  const client = adminClient(endpoint);
  const asymmetric = options.spec && options.spec !== 'SYMMETRIC_DEFAULT';
  const out = await client.send(new CreateKeyCommand({ KeySpec: options.spec, KeyUsage: asymmetric ? 'SIGN_VERIFY' : 'ENCRYPT_DECRYPT' }));
  const arn = out.KeyMetadata!.Arn!;
  if (options.alias) await client.send(new CreateAliasCommand({ AliasName: options.alias, TargetKeyId: arn }));
  return arn;
}

export async function publicKeyPem(endpoint: string, keyId: string): Promise<string> {
  const out = await adminClient(endpoint).send(new GetPublicKeyCommand({ KeyId: keyId }));
  const b64 = Buffer.from(out.PublicKey!).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN PUBLIC KEY-----\n${b64}\n-----END PUBLIC KEY-----\n`;
}
