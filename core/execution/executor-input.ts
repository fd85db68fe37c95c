/**
 * The executor entrypoint's inputs: command-line flags, and the payload from exactly one source. Precedence (flags
 * beat the environment, fixing the reference's quirk Q16): `--payload-file`, `--payload-json`,
 * `ARK_EXECUTOR_PAYLOAD_FILE`, `ARK_EXECUTOR_PAYLOAD_JSON`, then stdin (when it is not a terminal). The first source
 * present is the one used: a broken source is an error, never a reason to try the next one.
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";

/** Payload file env variable (what the dispatchers set). */
export const PAYLOAD_FILE_ENV = "ARK_EXECUTOR_PAYLOAD_FILE";
/** Inline payload JSON env variable. */
export const PAYLOAD_JSON_ENV = "ARK_EXECUTOR_PAYLOAD_JSON";
/** Output file env variable (`--output-file` wins). */
export const OUTPUT_FILE_ENV = "ARK_EXECUTOR_OUTPUT_FILE";

/** Largest payload read from stdin. */
const STDIN_LIMIT_BYTES = 10_000_000;

/** The entrypoint's flags. */
export interface ExecutorFlags {
  readonly payloadFile?: string;
  readonly payloadJson?: string;
  readonly outputFile?: string;
  readonly timeoutSeconds?: number;
}

/** Why the payload could not be read: `infra_error` (nothing there) or `validation_error` (not JSON / bad flags). */
export interface PayloadInputProblem {
  readonly code: "infra_error" | "validation_error";
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

/** A readable stdin, as process.stdin is. */
export type ExecutorStdin = (AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>) & { readonly isTTY?: boolean };

/** Parses the flags; unknown flags and a bad `--timeout-seconds` are validation problems. */
export function parseExecutorFlags(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): { flags: ExecutorFlags } | { problem: PayloadInputProblem } {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv], strict: true, allowPositionals: false,
      options: { "payload-file": { type: "string" }, "payload-json": { type: "string" }, "output-file": { type: "string" }, "timeout-seconds": { type: "string" } },
    }).values;
  } catch (err) {
    return { problem: { code: "validation_error", message: `Invalid executor arguments: ${(err as Error).message}` } };
  }
  const timeoutText = values["timeout-seconds"] as string | undefined;
  const timeoutSeconds = timeoutText === undefined ? undefined : Number(timeoutText);
  if (timeoutSeconds !== undefined && !(Number.isFinite(timeoutSeconds) && timeoutSeconds > 0)) {
    return { problem: { code: "validation_error", message: `--timeout-seconds must be a positive number, got '${timeoutText}'.` } };
  }
  const outputFile = (values["output-file"] as string | undefined) ?? (env[OUTPUT_FILE_ENV]?.trim() || undefined);
  return { flags: { payloadFile: values["payload-file"] as string | undefined, payloadJson: values["payload-json"] as string | undefined, outputFile, timeoutSeconds } };
}

/** A source's content: the parsed JSON, or why not. */
type Parsed = { readonly value: unknown } | { readonly problem: PayloadInputProblem };

function parseJson(text: string, source: string, details: Record<string, unknown>): Parsed {
  try {
    return { value: JSON.parse(text) };
  } catch (err) {
    return { problem: { code: "validation_error", message: `${source} JSON is invalid: ${(err as Error).message}.`, details } };
  }
}

async function fromFile(file: string): Promise<Parsed> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return { problem: { code: "infra_error", message: `payload file '${file}' does not exist or cannot be read.`, details: { path: file } } };
  }
  return parseJson(text, "payload file", { path: file });
}

async function readStdin(stdin: ExecutorStdin): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk);
    size += buffer.length;
    if (size > STDIN_LIMIT_BYTES) break;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).subarray(0, STDIN_LIMIT_BYTES).toString("utf8").trim();
}

/** Reads the payload from the first source present (see the module comment); returns the parsed JSON or a problem. */
export async function readPayloadInput(
  flags: ExecutorFlags, env: Readonly<Record<string, string | undefined>>, stdin: ExecutorStdin | null,
): Promise<{ value: unknown; source: string } | { problem: PayloadInputProblem }> {
  const envFile = env[PAYLOAD_FILE_ENV]?.trim();
  const envJson = env[PAYLOAD_JSON_ENV]?.trim();
  let parsed: Parsed;
  let source: string;
  if (flags.payloadFile !== undefined) [parsed, source] = [await fromFile(flags.payloadFile), "--payload-file"];
  else if (flags.payloadJson !== undefined) [parsed, source] = [parseJson(flags.payloadJson, "payload", { source: "--payload-json" }), "--payload-json"];
  else if (envFile) [parsed, source] = [await fromFile(envFile), PAYLOAD_FILE_ENV];
  else if (envJson) [parsed, source] = [parseJson(envJson, "payload", { source: PAYLOAD_JSON_ENV }), PAYLOAD_JSON_ENV];
  else {
    const text = stdin && !stdin.isTTY ? await readStdin(stdin) : "";
    if (text === "") {
      return { problem: { code: "infra_error", message: `No payload provided. Set --payload-file, --payload-json, ${PAYLOAD_FILE_ENV}, ${PAYLOAD_JSON_ENV}, or pipe JSON to stdin.` } };
    }
    [parsed, source] = [parseJson(text, "stdin payload", { source: "stdin" }), "stdin"];
  }
  return "problem" in parsed ? parsed : { value: parsed.value, source };
}
