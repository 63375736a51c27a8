import { KmssigError } from '../errors.js';
import { messages } from '../messages.js';

/** A KMS encryption context: string keys to string values. */
export type Context = Record<string, string>;

/**
 * Parses the seed tool's `k1=v1,k2=v2` syntax: split on `,`, then on the first
 * `=`. `\,` puts a comma into a value. Several `--context` flags merge.
 */
export function parseContextArgs(args: readonly string[]): Context {
  const context: Context = {};
  for (const arg of args) {
    for (const pair of splitUnescaped(arg)) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new KmssigError('INPUT', messages.badContextPair(pair));
      context[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  assertContextKeys(context);
  return context;
}

function splitUnescaped(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\' && text[i + 1] === ',') {
      current += ',';
      i++;
    } else if (ch === ',') {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

/** KMS reserves context keys that start with `aws` (any case). */
export function assertContextKeys(context: Context): void {
  for (const [key, value] of Object.entries(context)) {
    if (key === '') throw new KmssigError('INPUT', messages.badContextPair(`=${value}`));
    if (/^aws/i.test(key)) throw new KmssigError('INPUT', messages.reservedContextKey(key));
    if (typeof value !== 'string') throw new KmssigError('INPUT', messages.badContextPair(key));
  }
}

/**
 * Drops user-info from a URL so a token in a remote URL never reaches a signature.
 * The user-info ends at the last `@` of the authority (as URL parsers read it), so
 * a password with a raw `@` is dropped whole.
 */
export function stripUserInfo(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1');
}

/**
 * Drops user-info from every URL inside a text (a git error message, a remote
 * name that is a URL), so that no output repeats a credential. Git's own
 * anonymizer cuts at the first `@` and leaves the rest of a password that has one.
 */
export function redactUserInfo(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/?#\s'"]*@/gi, '$1');
}
