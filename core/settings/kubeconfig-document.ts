import { parseDocument } from "yaml";

/** Largest kubeconfig accepted; real ones are a few KiB, certificates included. */
export const MAX_KUBECONFIG_BYTES = 1024 * 1024;

/**
 * Why `text` is not a usable kubeconfig (a YAML or JSON mapping), or undefined. The message gives only a position,
 * never a snippet: the document holds credentials and the message ends up in API responses and logs.
 */
export function checkKubeconfigDocument(text: string): string | undefined {
  if (Buffer.byteLength(text, "utf8") > MAX_KUBECONFIG_BYTES) return "k8s_kubeconfig is larger than 1 MiB; a kubeconfig is a few KiB.";
  const document = parseDocument(text);
  const [error] = document.errors;
  if (error) {
    const position = error.linePos?.[0];
    const where = position ? ` (line ${position.line}, column ${position.col})` : "";
    return `k8s_kubeconfig is not valid YAML${where}.`;
  }
  const content: unknown = document.toJS();
  if (typeof content !== "object" || content === null || Array.isArray(content)) {
    return "k8s_kubeconfig must be a kubeconfig document: a YAML mapping with clusters, users and contexts.";
  }
  return undefined;
}
