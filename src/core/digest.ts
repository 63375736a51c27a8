import { createHash, timingSafeEqual } from 'node:crypto';

export const SHA512_HEX = /^[0-9a-f]{128}$/;

export function sha512(data: Uint8Array | string): Buffer {
  return createHash('sha512').update(data).digest();
}

/** Constant-time comparison; unequal lengths are simply unequal. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
