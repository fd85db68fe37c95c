import { isAlias, isMap, isPair, isScalar, isSeq, parse, Scalar, type Document, type Node } from "yaml";
import type { ConfigPath } from "./config-issue.js";

/** The environment interpolation reads from. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** An expression that could not be expanded: an unset variable without default, or a malformed `${...}`. */
export interface InterpolationProblem {
  readonly kind: "missing" | "malformed";
  readonly path: ConfigPath;
  /** Offset of the expression in the file text. */
  readonly offset: number;
  readonly variable: string | null;
  readonly message: string;
}

interface StringProblem {
  readonly kind: "missing" | "malformed";
  readonly expression: string;
  readonly variable: string | null;
  readonly message: string;
}

interface Expansion {
  readonly value: string;
  readonly problems: StringProblem[];
  /** True when the whole input was exactly one `${...}` expression (so the result may be typed). */
  readonly wholeExpression: boolean;
}

const EXPRESSION = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

/** Expands `${VAR}`, `${VAR:-default}` (default also when VAR is empty, as in the shell) and the escape `$${`. */
export function expandString(text: string, env: Environment): Expansion {
  let value = "";
  const problems: StringProblem[] = [];
  let expressions = 0;
  let i = 0;
  while (i < text.length) {
    if (text.startsWith("$${", i)) {
      value += "${";
      i += 3;
    } else if (text.startsWith("${", i)) {
      const close = text.indexOf("}", i + 2);
      if (close === -1) {
        const expression = text.slice(i);
        problems.push({ kind: "malformed", expression, variable: null, message: `unclosed '\${' (write '$\${' for a literal '\${')` });
        value += expression;
        break;
      }
      const expression = text.slice(i, close + 1);
      value += expandExpression(expression, env, problems);
      expressions++;
      i = close + 1;
    } else {
      value += text[i];
      i++;
    }
  }
  const wholeExpression = expressions === 1 && text.startsWith("${") && text.indexOf("}") === text.length - 1;
  return { value, problems, wholeExpression };
}

function expandExpression(expression: string, env: Environment, problems: StringProblem[]): string {
  const match = EXPRESSION.exec(expression.slice(2, -1));
  if (!match) {
    const message = `invalid expression '${expression}': use \${VAR} or \${VAR:-default} (VAR is letters, digits and _)`;
    problems.push({ kind: "malformed", expression, variable: null, message });
    return expression;
  }
  const [, name, fallback] = match as unknown as [string, string, string | undefined];
  const current = env[name];
  if (fallback !== undefined) return current === undefined || current === "" ? fallback : current;
  if (current !== undefined) return current;
  problems.push({ kind: "missing", expression, variable: name, message: `environment variable ${name} is not set and has no default` });
  return "";
}

/**
 * Expands every string value in the document in place (keys are left alone). A plain (unquoted) scalar that was
 * exactly one expression takes the YAML type of its result when that is a number or boolean, so
 * `port: ${PORT:-8080}` is an integer while `port: "${PORT:-8080}"` stays a string.
 */
export function interpolateDocument(doc: Document, text: string, env: Environment): InterpolationProblem[] {
  const problems: InterpolationProblem[] = [];
  const visit = (node: unknown, path: ConfigPath): void => {
    if (isAlias(node)) return; // the anchored node is expanded where it is defined
    if (isMap(node)) {
      for (const pair of node.items) if (isPair(pair)) visit(pair.value, [...path, keyOf(pair.key)]);
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => visit(item, [...path, index]));
    } else if (isScalar(node) && typeof node.value === "string") {
      interpolateScalar(node, text, env, path, problems);
    }
  };
  visit(doc.contents, []);
  return problems;
}

function interpolateScalar(node: Scalar, text: string, env: Environment, path: ConfigPath, out: InterpolationProblem[]): void {
  const original = node.value as string;
  if (!original.includes("${")) return;
  const expansion = expandString(original, env);
  const start = node.range?.[0] ?? 0;
  const raw = text.slice(start, node.range?.[1] ?? start);
  let cursor = 0;
  for (const problem of expansion.problems) {
    const found = raw.indexOf(problem.expression, cursor);
    if (found !== -1) cursor = found + problem.expression.length;
    const offset = start + (found === -1 ? 0 : found);
    out.push({ kind: problem.kind, path, offset, variable: problem.variable, message: problem.message });
  }
  node.value = node.type === Scalar.PLAIN && expansion.wholeExpression ? typedValue(expansion.value) : expansion.value;
}

const SCALAR_LITERAL = /^[-+]?[0-9A-Za-z._]+$/;

/** The value as YAML would type a plain scalar, but only numbers and booleans; anything else stays a string. */
function typedValue(value: string): unknown {
  if (!SCALAR_LITERAL.test(value)) return value;
  try {
    const parsed: unknown = parse(value);
    if (typeof parsed === "boolean" || (typeof parsed === "number" && Number.isFinite(parsed))) return parsed;
  } catch {
    // not a YAML scalar: keep the string
  }
  return value;
}

/** A map key as a path segment. */
export function keyOf(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return String(key as Node | null);
}
