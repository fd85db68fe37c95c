/** Test helpers that capture the ArkError a call fails with (any other outcome fails the test). */
import { ArkError } from "../../core/errors/index.js";

function asArkError(err: unknown): ArkError {
  if (err instanceof ArkError) return err;
  throw new Error(`expected an ArkError, got ${String(err)}`, { cause: err });
}

/** The ArkError a promise rejects with. */
export async function caughtArkError(promise: Promise<unknown>): Promise<ArkError> {
  try {
    await promise;
  } catch (err) {
    return asArkError(err);
  }
  throw new Error("expected the call to fail with an ArkError");
}

/** The ArkError a synchronous call throws. */
export function thrownArkError(fn: () => unknown): ArkError {
  try {
    fn();
  } catch (err) {
    return asArkError(err);
  }
  throw new Error("expected the call to throw an ArkError");
}
