import { describe, expect, it } from "vitest";
import { checkImageReference, imageTagOf, resolveEffectiveImage } from "./image-reference.js";

const digest = `sha256:${"0123456789abcdef".repeat(4)}`;

describe("checkImageReference (§15.2)", () => {
  it.each([
    ["ark-executor-frontier:latest", "ark-executor-frontier", "latest", ""],
    ["ghcr.io/acme/ark-executor-frontier:v2026.02.18", "ghcr.io/acme/ark-executor-frontier", "v2026.02.18", ""],
    ["localhost:5000/ark/executor", "localhost:5000/ark/executor", "", ""],
    ["localhost:5000/ark/executor:_dev-1", "localhost:5000/ark/executor", "_dev-1", ""],
    [`ghcr.io/acme/x@${digest}`, "ghcr.io/acme/x", "", digest],
    [`ghcr.io/acme/x:1.2@${digest}`, "ghcr.io/acme/x", "1.2", digest],
    ["busybox", "busybox", "", ""],
  ])("accepts %s", (image, repository, tag, foundDigest) => {
    expect(checkImageReference(image)).toEqual({ ok: true, image: { repository, tag, digest: foundDigest } });
  });

  it.each([
    ["ark executor:latest", "it must not contain whitespace"],
    ["ark:latest\n", "it must not contain whitespace"],
    ["ark@sha256:abc", "the digest must be @sha256: followed by 64 lower-case hex characters"],
    [`ark@${digest.toUpperCase()}`, "the digest must be @sha256: followed by 64 lower-case hex characters"],
    [`ark@md5:${"a".repeat(64)}`, "the digest must be @sha256: followed by 64 lower-case hex characters"],
    [":latest", "the repository name is missing"],
    [`@${digest}`, "the repository name is missing"],
    ["/ark:latest", "the repository must not start or end with '/' or contain '//'"],
    ["ark/:latest", "the repository must not start or end with '/' or contain '//'"],
    ["ghcr.io//ark:latest", "the repository must not start or end with '/' or contain '//'"],
    ["ark:", "the tag '' must match ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"],
    ["ark:-bad", "the tag '-bad' must match ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"],
    ["ark:.bad", "the tag '.bad' must match ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"],
    [`ark:${"a".repeat(129)}`, `the tag '${"a".repeat(129)}' must match ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`],
  ])("rejects %j: %s", (image, problem) => {
    expect(checkImageReference(image)).toEqual({ ok: false, problem });
  });

  it("accepts a 128-character tag", () => {
    expect(checkImageReference(`ark:${"a".repeat(128)}`).ok).toBe(true);
  });
});

describe("imageTagOf / resolveEffectiveImage", () => {
  it("derives the tag of an image", () => {
    expect(imageTagOf("ghcr.io/acme/x:v1")).toBe("v1");
    expect(imageTagOf("localhost:5000/x")).toBe("");
    expect(imageTagOf("bad image")).toBe("");
  });

  it("replaces the tag (the reference's example)", () => {
    expect(resolveEffectiveImage("ghcr.io/acme/llmctl-executor-frontier:latest", "v2026.02.18", "fallback:latest")).toBe(
      "ghcr.io/acme/llmctl-executor-frontier:v2026.02.18",
    );
  });

  it("keeps the image when the tag is empty or its own, pinned digest included", () => {
    expect(resolveEffectiveImage("ghcr.io/acme/x:v1", "", "f:latest")).toBe("ghcr.io/acme/x:v1");
    expect(resolveEffectiveImage(`ghcr.io/acme/x:v1@${digest}`, "v1", "f:latest")).toBe(`ghcr.io/acme/x:v1@${digest}`);
  });

  it("drops a digest when another tag replaces it, and adds a tag to an untagged image", () => {
    expect(resolveEffectiveImage(`ghcr.io/acme/x@${digest}`, "v2", "f:latest")).toBe("ghcr.io/acme/x:v2");
    expect(resolveEffectiveImage("localhost:5000/x", "v2", "f:latest")).toBe("localhost:5000/x:v2");
  });

  it("falls back to the default image when the image is invalid, and ignores an invalid tag", () => {
    expect(resolveEffectiveImage("bad image", "v3", "ark-executor-frontier:latest")).toBe("ark-executor-frontier:v3");
    expect(resolveEffectiveImage("", "", "ark-executor-frontier:latest")).toBe("ark-executor-frontier:latest");
    expect(resolveEffectiveImage("x:v1", "-bad", "f:latest")).toBe("x:v1");
  });
});
