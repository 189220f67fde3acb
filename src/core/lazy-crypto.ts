/**
 * `node:crypto`'s `createHash` and `randomBytes`, with the module loaded on first use: requiring it
 * costs ~4 ms of a start on Node 20 (it pulls in streams, the key classes and X.509), and a warm
 * `status`, whose stat cache and parsed cache answer, hashes nothing. Same signatures as Node's.
 */
import type { Hash } from "node:crypto";
import { createRequire } from "node:module";

let crypto: typeof import("node:crypto") | undefined;

function nodeCrypto(): typeof import("node:crypto") {
  crypto ??= createRequire(import.meta.url)("node:crypto") as typeof import("node:crypto");
  return crypto;
}

/** `crypto.createHash(algorithm)` (e.g. `"sha256"`, `"sha1"`). */
export function createHash(algorithm: string): Hash {
  return nodeCrypto().createHash(algorithm);
}

/** `crypto.randomBytes(size)`: `size` cryptographically strong random bytes. */
export function randomBytes(size: number): Buffer {
  return nodeCrypto().randomBytes(size);
}
