/**
 * An ajv error as ARK reports it. Its own module (types only from ajv) so that ahead-of-time compiled validators in
 * executor bundles report exactly the same issues without loading ajv.
 */
import type { ErrorObject } from "ajv";
import type { ContractIssue } from "./contract-registry-port.js";

/** One ajv error as a ContractIssue. */
export function toIssue(error: ErrorObject): ContractIssue {
  return {
    instancePath: error.instancePath,
    message: issueMessage(error),
    keyword: error.keyword,
    params: { ...error.params },
  };
}

// ajv's messages omit the offending property name for these keywords; operators need it.
function issueMessage(error: ErrorObject): string {
  if (error.keyword === "additionalProperties") {
    return `must NOT have additional property '${String(error.params.additionalProperty)}'`;
  }
  if (error.keyword === "enum" && Array.isArray(error.params.allowedValues)) {
    return `must be one of: ${error.params.allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
  }
  return error.message ?? error.keyword;
}
