/**
 * Workspace globs (`**`, `*`, `?`, `[...]`, `{a,b}`), matched against root-relative paths found by walking the root.
 * A glob never names a place to look — it only filters what the walk found inside the root — so it cannot leave it;
 * absolute globs and `..` segments are refused anyway, so such a mistake gets a clear answer instead of no matches.
 */
import { ArkError } from "../errors/index.js";
import { checkRelativePath } from "./path-guard.js";

function classEnd(glob: string, start: number): number {
  const end = glob.indexOf("]", start + 2);
  return end === -1 ? -1 : end;
}

function braceEnd(glob: string, start: number): number {
  const end = glob.indexOf("}", start);
  return end === -1 || glob.slice(start, end).includes("{", 1) ? -1 : end;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** Compiles a workspace glob into a RegExp over `/`-separated relative paths; throws ARK_WORKSPACE_PATH_* for bad globs. */
export function compileGlob(glob: unknown, field = "glob"): RegExp {
  const text = checkRelativePath(glob, field);
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "*" && text[i + 1] === "*") {
      const slash = text[i + 2] === "/";
      out += slash ? "(?:.*/)?" : ".*";
      i += slash ? 2 : 1;
    } else if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (c === "[" && classEnd(text, i) !== -1) {
      const end = classEnd(text, i);
      const body = text.slice(i + 1, end).replace(/\\/g, "\\\\");
      out += `[${body.startsWith("!") ? `^${body.slice(1)}` : body}]`;
      i = end;
    } else if (c === "{" && braceEnd(text, i) !== -1) {
      const end = braceEnd(text, i);
      out += `(?:${text.slice(i + 1, end).split(",").map(escapeRegExp).join("|")})`;
      i = end;
    } else out += escapeRegExp(c);
  }
  try {
    return new RegExp(`^${out}$`);
  } catch (cause) {
    throw new ArkError("ARK_WORKSPACE_PATH_INVALID", `${field} "${text}" is not a valid glob.`, { details: { field }, cause });
  }
}
