import { parseUserChange, type UserChange } from "../contract/user-change.ts";

export interface FileReject {
  /** 1-based line (NDJSON) or array index + 1 (JSON array). */
  readonly line: number;
  readonly reason: string;
}

export interface ParsedChangeFile {
  readonly changes: { readonly line: number; readonly body: string; readonly change: UserChange }[];
  readonly rejects: FileReject[];
}

/**
 * Reads a file of changes: a JSON array, or NDJSON (one change per line; blank lines ignored). Each
 * change is validated against the message contract; rejects are reported by line. Pure.
 */
export function parseChangeFile(text: string): ParsedChangeFile {
  const trimmed = text.trimStart();
  const items: { line: number; json: string }[] = [];
  const rejects: FileReject[] = [];
  if (trimmed.startsWith("[")) {
    let array: unknown;
    try {
      array = JSON.parse(text);
    } catch (error) {
      return { changes: [], rejects: [{ line: 1, reason: `not a JSON array: ${(error as Error).message}` }] };
    }
    (array as unknown[]).forEach((item, i) => {
      items.push({ line: i + 1, json: JSON.stringify(item) });
    });
  } else {
    text.split(/\r?\n/).forEach((line, i) => {
      if (line.trim() !== "") items.push({ line: i + 1, json: line });
    });
  }
  const changes: ParsedChangeFile["changes"] = [];
  for (const { line, json } of items) {
    const parsed = parseUserChange(json);
    if (parsed.ok)
      changes.push({ line, body: JSON.stringify(parsed.value.change), change: parsed.value.change });
    else rejects.push({ line, reason: parsed.reason });
  }
  return { changes, rejects };
}
