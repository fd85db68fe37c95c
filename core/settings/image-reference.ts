/** Container image references as the node-executor settings accept them (orchestration-and-events §15.2). */

/** A tag: a letter, digit or `_`, then up to 127 of letters, digits, `_`, `.`, `-`. */
export const IMAGE_TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** An executor bundle's plugin-set hash (bundle.json `plugin_set_hash`): sha256 in lower-case hex. */
export const PLUGIN_SET_HASH_PATTERN = /^[0-9a-f]{64}$/;

const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** The parts of a valid image reference. */
export interface ImageReference {
  /** Registry and path without tag or digest, e.g. `ghcr.io/acme/ark-executor-frontier`. */
  readonly repository: string;
  /** The tag, or "" when the reference has none. */
  readonly tag: string;
  /** `sha256:<hex>`, or "" when the reference has none. */
  readonly digest: string;
}

/** Result of checking an image reference: its parts, or why it is not one (a sentence fragment). */
export type ImageReferenceCheck = { ok: true; image: ImageReference } | { ok: false; problem: string };

/**
 * Checks an image reference: no whitespace; an optional `@sha256:<64 lower-case hex>` digest; a non-empty repository
 * with no leading, trailing or doubled `/`; a tag (text after the last `:` that follows the last `/`) matching
 * IMAGE_TAG_PATTERN. An empty string is not a reference (callers substitute the default first).
 */
export function checkImageReference(value: string): ImageReferenceCheck {
  if (/\s/.test(value)) return { ok: false, problem: "it must not contain whitespace" };
  const at = value.indexOf("@");
  const named = at === -1 ? value : value.slice(0, at);
  const digest = at === -1 ? "" : value.slice(at + 1);
  if (at !== -1 && !DIGEST_PATTERN.test(digest)) {
    return { ok: false, problem: "the digest must be @sha256: followed by 64 lower-case hex characters" };
  }
  const lastSlash = named.lastIndexOf("/");
  const colon = named.lastIndexOf(":");
  const hasTag = colon > lastSlash;
  const repository = hasTag ? named.slice(0, colon) : named;
  const tag = hasTag ? named.slice(colon + 1) : "";
  if (repository === "") return { ok: false, problem: "the repository name is missing" };
  if (repository.startsWith("/") || repository.endsWith("/") || repository.includes("//")) {
    return { ok: false, problem: "the repository must not start or end with '/' or contain '//'" };
  }
  if (hasTag && !IMAGE_TAG_PATTERN.test(tag)) {
    return { ok: false, problem: `the tag '${tag}' must match ${IMAGE_TAG_PATTERN.source}` };
  }
  return { ok: true, image: { repository, tag, digest } };
}

/** The tag of a valid image reference, or "" (no tag, or not a valid reference). */
export function imageTagOf(image: string): string {
  const check = checkImageReference(image);
  return check.ok ? check.image.tag : "";
}

/**
 * The image a dispatcher pulls: `image` (or `fallbackImage` when it is empty or invalid) with its tag replaced by
 * `tag` when a different tag is given — `ghcr.io/acme/x:latest` + `v2026.02.18` → `ghcr.io/acme/x:v2026.02.18`. A
 * digest is dropped when another tag replaces the image's own, as the tag is then the operator's explicit choice.
 */
export function resolveEffectiveImage(image: string, tag: string, fallbackImage: string): string {
  const check = checkImageReference(image);
  const base = check.ok ? image : fallbackImage;
  if (tag === "" || !IMAGE_TAG_PATTERN.test(tag)) return base;
  const parsed = checkImageReference(base);
  // The image's own tag keeps the reference whole (a pinned digest included).
  if (!parsed.ok || parsed.image.tag === tag) return base;
  return `${parsed.image.repository}:${tag}`;
}
