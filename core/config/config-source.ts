import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter } from "yaml";
import type { ConfigPath } from "./config-issue.js";

/** A 1-based position in the config file. */
export interface ConfigPosition {
  readonly line: number;
  readonly col: number;
}

/** The config file as read: located, parsed, ${VAR} interpolated. */
export interface ConfigSource {
  /** Absolute path; null when built from an object (tests, programmatic kernels). */
  readonly filePath: string | null;
  /** Path relative to cwd for messages, e.g. "runtime.config.yaml". */
  readonly displayPath: string;
  /** Raw file text. */
  readonly text: string;
  /** Plain object after interpolation (not yet validated/defaulted). */
  readonly value: Record<string, unknown>;
  /** line/col (1-based) of the node at a path; the nearest existing ancestor when the path is absent; null when unknown. */
  positionOf(path: ConfigPath): ConfigPosition | null;
}

/** For tests and programmatic kernels: a source from an object (positions null). */
export function configSourceFromObject(value: Record<string, unknown>, displayPath = "<config object>"): ConfigSource {
  return {
    filePath: null,
    displayPath,
    text: "",
    value: structuredClone(value),
    positionOf: () => null,
  };
}

/**
 * Position lookup over a parsed YAML document. A map entry is located at its key (that is where an operator looks
 * for `namespace:`), a sequence item at the item itself, the root at the document's first node.
 */
export function documentPositions(doc: Document, lineCounter: LineCounter): (path: ConfigPath) => ConfigPosition | null {
  return (path) => {
    const offset = offsetOf(doc, path);
    return offset === null ? null : lineCounter.linePos(offset);
  };
}

function offsetOf(doc: Document, path: ConfigPath): number | null {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      offset = rangeStart(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && Number.isInteger(Number(segment))) {
      const item: unknown = node.items[Number(segment)];
      if (item === undefined) break;
      offset = rangeStart(item) ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset;
}

function rangeStart(node: unknown): number | null {
  const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
  return range ? range[0] : null;
}
