import { createHash } from "node:crypto";

/**
 * A change id derived from a change's content: `prefix-` and the first 24 hex digits of the SHA-256
 * of `content` as JSON. The same content always gets the same id, so a file enqueued (or a snapshot
 * reconciled) twice sends the same changes, which the sync settles once.
 */
export function contentId(prefix: string, content: unknown): string {
  return `${prefix}-${createHash("sha256").update(JSON.stringify(content)).digest("hex").slice(0, 24)}`;
}
