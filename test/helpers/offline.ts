import { freePort } from './moto.js';
import { tempDir } from './git.js';

/**
 * The environment of a verifier with no AWS at all: every AWS_* variable
 * removed (no credentials, no region), instance metadata off, KMS pointed at
 * a loopback port where nothing listens, HOME an empty folder (no
 * ~/.aws/config or credentials). Any KMS call made here fails (exit 3).
 */
export async function offlineEnv(): Promise<{ env: NodeJS.ProcessEnv; cleanup: () => void }> {
  const home = tempDir('kmssig-home-');
  const env: NodeJS.ProcessEnv = {};
  // runCli starts from process.env: undefined removes a variable from the child's environment.
  for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) env[name] = undefined;
  Object.assign(env, {
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_KMS: `http://127.0.0.1:${await freePort()}`,
    HOME: home.path,
  });
  return { env, cleanup: home.cleanup };
}
