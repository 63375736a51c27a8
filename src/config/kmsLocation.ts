import { messages, type Message } from '../messages.js';

/** `endpoint <url>`, `region <name>`: the KMS location values named somewhere, for the notes that they are not used. */
export function kmsValues(named: { endpoint?: string; region?: string }): string[] {
  return [...(named.endpoint ? [`endpoint ${named.endpoint}`] : []), ...(named.region ? [`region ${named.region}`] : [])];
}

/**
 * The note for a configuration that names a KMS endpoint or region: both are
 * ignored, since whoever answers KMS decides what verifies (DESIGN 3.4, rule 9).
 */
export function configKmsNote(loaded: { path: string; config: { endpoint?: string; region?: string } } | undefined): Message | undefined {
  if (!loaded) return undefined;
  const values = kmsValues(loaded.config);
  return values.length > 0 ? messages.configKmsIgnored(loaded.path, values) : undefined;
}
