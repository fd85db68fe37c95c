import { errorCatalogue, type ArkErrorCode } from "./catalogue.js";

/** An error ARK raises on purpose: a stable code, a message for the reader, structured details. */
export class ArkError extends Error {
  override readonly name = "ArkError";
  readonly code: ArkErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ArkErrorCode, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }

  /** What the reader should do about it, from the catalogue. */
  get hint(): string {
    return errorCatalogue[this.code].hint;
  }

  /** HTTP status the API answers with for this code. */
  get status(): number {
    return errorCatalogue[this.code].status;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, hint: this.hint, details: this.details };
  }
}

/** True when `err` is an ArkError, optionally with the given code. */
export function isArkError(err: unknown, code?: ArkErrorCode): err is ArkError {
  return err instanceof ArkError && (code === undefined || err.code === code);
}

/** Message of any thrown value, for logs and wrapped errors. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
