import { createCipheriv, createDecipheriv } from 'node:crypto';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * APISIX's `apisix.data_encryption.keyring`, byte-compatible with Lua APISIX so both can share
 * one etcd: each 16-byte entry is an AES-128-CBC key, each 32-byte entry an AES-256-CBC key,
 * the IV is the first 16 bytes of the same entry, PKCS#7 padding, standard base64 output.
 * Encryption uses the first entry; decryption tries every entry in order (key rotation).
 * Entries of any other length are ignored, as APISIX does. With no usable entry, values pass
 * through unchanged (APISIX stores plaintext then).
 *
 * @example
 *   const keyring = new Keyring(['qeddd145sfvddff3']);
 *   keyring.decrypt(keyring.encrypt('secret')); // 'secret'
 */
export class Keyring {
  readonly #keys: readonly Buffer[];

  constructor(entries: readonly string[]) {
    this.#keys = entries
      .map((entry) => Buffer.from(entry, 'utf8'))
      .filter((key) => key.length === 16 || key.length === 32);
  }

  /** True when no entry is usable: encrypt() and decrypt() return their input. */
  get empty(): boolean {
    return this.#keys.length === 0;
  }

  encrypt(plain: string): string {
    const key = this.#keys[0];
    if (key === undefined) return plain;
    const cipher = createCipheriv(algorithm(key), key, key.subarray(0, 16));
    return Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]).toString('base64');
  }

  /** The plaintext, or undefined when the value is not base64 or no entry decrypts it. */
  decrypt(encrypted: string): string | undefined {
    if (this.#keys.length === 0) return encrypted;
    if (!BASE64.test(encrypted)) return undefined;
    const data = Buffer.from(encrypted, 'base64');
    for (const key of this.#keys) {
      try {
        const decipher = createDecipheriv(algorithm(key), key, key.subarray(0, 16));
        return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
      } catch {
        // A wrong key shows up as bad padding: try the next entry.
      }
    }
    return undefined;
  }
}

function algorithm(key: Buffer): string {
  return key.length === 32 ? 'aes-256-cbc' : 'aes-128-cbc';
}

/** PEM private keys start with this; anything else is already encrypted or a secret reference. */
const PEM_START = '---';

/** Encrypts an SSL / upstream client private key only when it is PEM text (APISIX rule). */
export function encryptPrivateKey(keyring: Keyring, value: string): string {
  return value.startsWith(PEM_START) ? keyring.encrypt(value) : value;
}

/** The PEM of a stored private key, or the value as is when it cannot be decrypted. */
export function decryptPrivateKey(keyring: Keyring, value: string): string {
  if (value.startsWith(PEM_START)) return value;
  return keyring.decrypt(value) ?? value;
}
