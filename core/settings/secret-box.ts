/**
 * Secrets at rest: AES-256-GCM under a key derived (HKDF-SHA256) from ARK_SECRET_KEY, a random 12-byte IV per write,
 * stored as `enc:v1:` + base64(iv | tag | ciphertext). The additional data binds a ciphertext to its setting, so a
 * value copied into another row does not decrypt.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { ArkError } from "../errors/index.js";
import type { SettingsEnv } from "./normalise-node-executor-settings.js";

/** The environment variable holding the secret key. */
export const SECRET_KEY_ENV = "ARK_SECRET_KEY";

/** Prefix of every value this module writes. */
export const SECRET_PREFIX = "enc:v1:";

/** Shortest ARK_SECRET_KEY accepted; shorter keys are guessable. */
export const MIN_SECRET_KEY_LENGTH = 16;

const IV_BYTES = 12;
const TAG_BYTES = 16;
const HKDF_SALT = "ark.settings.secret";
const HKDF_INFO = "aes-256-gcm:v1";

/** Encrypts and decrypts setting secrets under one key. */
export interface SecretBox {
  /** `enc:v1:...` for `plaintext`, bound to `context` (e.g. `node_executor/k8s_kubeconfig`). */
  encrypt(plaintext: string, context: string): string;
  /** The plaintext; ARK_SECRET_DECRYPT_FAILED when the key or context is wrong or the value was altered. */
  decrypt(stored: string, context: string): string;
}

/** `sha256:` + the first 12 hex characters of the plaintext's SHA-256: identifies a secret without revealing it. */
export function secretFingerprint(plaintext: string): string {
  return `sha256:${createHash("sha256").update(plaintext, "utf8").digest("hex").slice(0, 12)}`;
}

/**
 * The secret box for ARK_SECRET_KEY in `env`. Throws ARK_SECRET_KEY_MISSING (saying how to set one) when the variable
 * is unset or too short.
 */
export function secretBoxFromEnv(env: SettingsEnv): SecretBox {
  const secret = env[SECRET_KEY_ENV];
  if (secret === undefined || secret.trim() === "") {
    throw new ArkError(
      "ARK_SECRET_KEY_MISSING",
      `${SECRET_KEY_ENV} is not set, so secrets cannot be stored or read. Set it in ARK's environment, for example: export ${SECRET_KEY_ENV}=$(openssl rand -hex 32) — and keep it: secrets stored under one key cannot be read with another.`,
    );
  }
  if (secret.length < MIN_SECRET_KEY_LENGTH) {
    throw new ArkError(
      "ARK_SECRET_KEY_MISSING",
      `${SECRET_KEY_ENV} is too short (${secret.length} characters, at least ${MIN_SECRET_KEY_LENGTH} needed). Use a random value, for example: export ${SECRET_KEY_ENV}=$(openssl rand -hex 32).`,
    );
  }
  return createSecretBox(secret);
}

/** A secret box for the given key material (any length; callers check strength). */
export function createSecretBox(secretKey: string): SecretBox {
  const key = Buffer.from(hkdfSync("sha256", Buffer.from(secretKey, "utf8"), HKDF_SALT, HKDF_INFO, 32));
  return {
    encrypt(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      cipher.setAAD(Buffer.from(context, "utf8"));
      const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return SECRET_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString("base64");
    },
    decrypt(stored, context) {
      const failed = (reason: string, cause?: unknown) =>
        new ArkError(
          "ARK_SECRET_DECRYPT_FAILED",
          `The stored secret ${context} cannot be decrypted: ${reason}. If ${SECRET_KEY_ENV} changed, restore the old key or store the secret again.`,
          { details: { secret: context }, cause },
        );
      if (!stored.startsWith(SECRET_PREFIX)) throw failed("it is not in ARK's encrypted format (enc:v1:)");
      const raw = Buffer.from(stored.slice(SECRET_PREFIX.length), "base64");
      if (raw.length < IV_BYTES + TAG_BYTES) throw failed("the stored value is truncated");
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, IV_BYTES));
        decipher.setAAD(Buffer.from(context, "utf8"));
        decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
      } catch (err) {
        throw failed(`${SECRET_KEY_ENV} is not the key it was encrypted with, or the value was altered`, err);
      }
    },
  };
}
