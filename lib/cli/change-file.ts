import { extname } from "node:path";
import { parseUserChange, type UserChange } from "../contract/user-change.ts";
import { csvChanges, reasonForCsv } from "./csv-changes.ts";

export interface FileReject {
  /** 1-based line (NDJSON; CSV: the record's first line, the header being 1) or array index + 1 (JSON array). */
  readonly line: number;
  readonly reason: string;
}

export interface ParsedChangeFile {
  readonly changes: { readonly line: number; readonly body: string; readonly change: UserChange }[];
  readonly rejects: FileReject[];
}

/** How a change file is read: `json` is a JSON array or NDJSON (told apart by the first character). */
export type ChangeFileFormat = "json" | "csv";

export const CHANGE_FILE_FORMATS: readonly ChangeFileFormat[] = ["json", "csv"];

/** The format given (`--format`), else `csv` for a name ending `.csv` (any case), else `json`. */
export function changeFileFormat(path: string, given?: ChangeFileFormat): ChangeFileFormat {
  return given ?? (extname(path).toLowerCase() === ".csv" ? "csv" : "json");
}

export type ChangeFileOptions =
  | { readonly format?: "json" }
  /** `changedAt` is that of rows without a `changedAt` cell. */
  | { readonly format: "csv"; readonly changedAt: string };

/**
 * Reads a file of changes: a JSON array, NDJSON (one change per line; blank lines ignored) or CSV (see
 * `csvChanges`). Each change is validated against the message contract with `parseUserChange`; rejects
 * are reported by line (CSV rejects name the CSV's columns). Pure.
 */
export function parseChangeFile(text: string, options: ChangeFileOptions = {}): ParsedChangeFile {
  if (options.format === "csv") return parseCsv(text, options.changedAt);
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
  return validate(items, rejects, (reason) => reason);
}

function parseCsv(text: string, changedAt: string): ParsedChangeFile {
  const mapped = csvChanges(text, { changedAt });
  const items = mapped.changes.map(({ line, change }) => ({ line, json: JSON.stringify(change) }));
  return validate(items, [...mapped.rejects], reasonForCsv);
}

/** Validates each item against the contract; rejects join those already found, in line order. */
function validate(
  items: readonly { line: number; json: string }[],
  rejects: FileReject[],
  describe: (reason: string) => string,
): ParsedChangeFile {
  const changes: ParsedChangeFile["changes"] = [];
  for (const { line, json } of items) {
    const parsed = parseUserChange(json);
    if (parsed.ok)
      changes.push({ line, body: JSON.stringify(parsed.value.change), change: parsed.value.change });
    else rejects.push({ line, reason: describe(parsed.reason) });
  }
  rejects.sort((a, b) => a.line - b.line);
  return { changes, rejects };
}
