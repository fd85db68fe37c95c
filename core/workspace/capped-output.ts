/**
 * A capped output buffer: keeps the first `cap` bytes of a stream and keeps counting (and draining) the rest, so a
 * child that writes 50 MB is never blocked on a full pipe and never fills the kernel's memory.
 */

/** The text that ends a truncated output; the byte counts let a reader tell how much was dropped. */
export function truncationMarker(kept: number, total: number): string {
  return `\n[ark: output truncated, kept ${kept} of ${total} bytes]\n`;
}

/** One captured stream (stdout or stderr). */
export class CappedOutput {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  /** Bytes the stream produced in total. */
  total = 0;

  constructor(readonly cap: number) {}

  /** Takes one chunk; bytes beyond the cap are counted and dropped. */
  push(chunk: Buffer): void {
    this.total += chunk.length;
    const room = this.cap - this.kept;
    if (room <= 0) return;
    const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.chunks.push(part);
    this.kept += part.length;
  }

  /** Whether bytes were dropped. */
  get truncated(): boolean {
    return this.total > this.kept;
  }

  /** The kept bytes as UTF-8 (a character cut at the cap is replaced), plus the marker when truncated. */
  text(fromByte = 0): string {
    const body = Buffer.concat(this.chunks).subarray(Math.max(0, fromByte)).toString("utf8");
    return this.truncated ? body + truncationMarker(this.kept, this.total) : body;
  }

  /** Bytes kept so far. */
  get keptBytes(): number {
    return this.kept;
  }
}
