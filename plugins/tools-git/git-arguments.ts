/**
 * Checks of everything a caller hands to git. A value that starts with `-` would be parsed as an option
 * (`--upload-pack=...`), a `<transport>::` URL runs a remote helper (`ext::sh -c ...`), so both are refused before git
 * runs; every command also puts `--end-of-options` in front of caller values as a second wall.
 */
import { ArkError } from "../../core/plugin-api/index.js";
import { KNOWN_URL_SCHEMES } from "./config.js";

function reject(field: string, value: string, reason: string): never {
  throw new ArkError("ARK_GIT_ARGUMENT_REJECTED", `${field} ${JSON.stringify(value)} is refused: ${reason}.`, { details: { field, value, reason } });
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** git check-ref-format's rules for a branch or tag name (plus: no leading `-`). */
export function checkRefName(value: string, field: string): string {
  if (value === "" || value.length > 255) reject(field, value, "empty or longer than 255 characters");
  if (value.startsWith("-")) reject(field, value, "starts with '-' (would be read as an option)");
  if (CONTROL.test(value) || /[ ~^:?*[\\]/.test(value)) reject(field, value, "contains a space, control character or one of ~ ^ : ? * [ \\");
  if (value.includes("..") || value.includes("@{") || value === "@" || value.includes("//")) reject(field, value, "contains '..', '@{', '//' or is '@'");
  if (value.startsWith("/") || value.endsWith("/") || value.endsWith(".")) reject(field, value, "starts or ends with '/' or ends with '.'");
  if (value.split("/").some((part) => part.startsWith(".") || part.endsWith(".lock"))) reject(field, value, "a component starts with '.' or ends with '.lock'");
  return value;
}

/** A revision (sha, ref, `HEAD~2`, `main^`, `v1.0`): ref characters plus ~ ^ and digits, never a leading `-`. */
export function checkRevision(value: string, field: string): string {
  if (value === "" || value.length > 255) reject(field, value, "empty or longer than 255 characters");
  if (value.startsWith("-")) reject(field, value, "starts with '-' (would be read as an option)");
  if (!/^[A-Za-z0-9_][A-Za-z0-9_./@~^{}+-]*$/.test(value) || value.includes("..")) reject(field, value, "is not a plain revision (letters, digits, . / _ - @ ~ ^ only, no '..')");
  return value;
}

/** A remote's name (`origin`): letters, digits, `.`, `_`, `-`, not starting with `-`. */
export function checkRemoteName(value: string, field = "remote"): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(value)) reject(field, value, "is not a remote name (letters, digits, . _ -)");
  return value;
}

/** The scheme a git URL uses, as git would read it (scp-like `user@host:path` is ssh, an absolute path is file). */
export function urlScheme(url: string): string | null {
  const explicit = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url);
  if (explicit) return explicit[1]!.toLowerCase();
  if (url.startsWith("/")) return "file";
  if (/^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:/.test(url) || /^[A-Za-z0-9.-]+:[^/]/.test(url)) return "ssh";
  return null;
}

/** Checks a repository URL against the allowed schemes; ARK_GIT_URL_REJECTED otherwise. */
export function checkUrl(url: string, allowed: readonly string[], field = "url"): string {
  const refuse = (reason: string): never => {
    throw new ArkError("ARK_GIT_URL_REJECTED", `${field} ${JSON.stringify(url)} is refused: ${reason}.`, { details: { field, url, reason, allowed: [...allowed] } });
  };
  if (url === "" || url.length > 2048) refuse("empty or too long");
  if (url.startsWith("-")) refuse("starts with '-' (would be read as an option)");
  if (CONTROL.test(url) || /\s/.test(url)) refuse("contains whitespace or control characters");
  if (/^[A-Za-z0-9+.-]+::/.test(url) || url.includes("::")) refuse("uses a transport helper (<transport>::)");
  const scheme = urlScheme(url);
  if (scheme === null) refuse("is not an absolute URL, scp-like ssh address or absolute path");
  // A user or host starting with '-' reaches ssh as an option (-oProxyCommand=...).
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^@/]*@)?-/.test(url)) refuse("its user or host starts with '-'");
  if (!(KNOWN_URL_SCHEMES as readonly string[]).includes(scheme!) || !allowed.includes(scheme!)) refuse(`scheme "${scheme}" is not in allowedUrlSchemes`);
  return url;
}
