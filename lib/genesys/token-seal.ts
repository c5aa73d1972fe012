import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

/**
 * Seals the pool's tokens for the state table: AES-256-GCM under a key derived with HKDF-SHA256 from
 * the OAuth client secret, so that reading the table (an operator's role, a backup, a point-in-time
 * export) gives no usable bearer token. Whoever holds the secret can mint tokens anyway: the key
 * adds no holder of tokens that the secret does not already make one.
 *
 * - key: `HKDF-SHA256(ikm = client secret, salt = HKDF_SALT, info = HKDF_INFO, 32 bytes)`;
 * - a sealed token: base64 of `IV (12 random bytes, fresh per seal) ‖ ciphertext ‖ tag (16 bytes)`;
 * - associated data: `["genesys-user-sync token", SEAL_VERSION, pk, renewAtMs, expiresAtMs]` as JSON,
 *   so a seal opens only on the item it was made for: copied to another slot or client, or with its
 *   renewal time or expiry edited, it does not open.
 *
 * Changing any of these constants is a new `SEAL_VERSION`: items of the old one then do not open and
 * are minted anew.
 */
export const SEAL_VERSION = 1;
const HKDF_SALT = "genesys-user-sync";
const HKDF_INFO = "genesys-user-sync token store v1";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** What a seal is bound to (its associated data): the item's key and the times the reader trusts. */
export interface SealContext {
  /** The item's partition key, `token#<clientId>#<slot>`. */
  readonly pk: string;
  readonly renewAtMs: number;
  readonly expiresAtMs: number;
}

/** The seal of one OAuth client secret. Holds the derived key only; never logs a token or the key. */
export class TokenSeal {
  readonly #key: Buffer;

  constructor(clientSecret: string) {
    if (clientSecret.length === 0) throw new RangeError("token seal: empty client secret");
    this.#key = Buffer.from(hkdfSync("sha256", clientSecret, HKDF_SALT, HKDF_INFO, KEY_BYTES));
  }

  seal(token: string, context: SealContext): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(context));
    const body = Buffer.concat([cipher.update(token, "utf8"), cipher.final()]);
    return Buffer.concat([iv, body, cipher.getAuthTag()]).toString("base64");
  }

  /**
   * The token, or undefined when `sealed` does not open: sealed under another secret, for another
   * item, tampered with, or not a seal at all.
   */
  open(sealed: string, context: SealContext): string | undefined {
    const bytes = Buffer.from(sealed, "base64");
    if (bytes.length <= IV_BYTES + TAG_BYTES) return undefined;
    const decipher = createDecipheriv("aes-256-gcm", this.#key, bytes.subarray(0, IV_BYTES), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(associatedData(context));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    try {
      const body = bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
    } catch {
      // Only the tag check throws here ("Unsupported state or unable to authenticate data").
      return undefined;
    }
  }
}

function associatedData(context: SealContext): Buffer {
  const fields = [
    "genesys-user-sync token",
    SEAL_VERSION,
    context.pk,
    context.renewAtMs,
    context.expiresAtMs,
  ];
  return Buffer.from(JSON.stringify(fields), "utf8");
}
