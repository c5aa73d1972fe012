import { createInterface } from "node:readline";
import { type Readable, Transform } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { CsvError, parse } from "csv-parse";
import {
  CSV_PARSE_OPTIONS,
  checkHeader,
  csvRecordCells,
  csvRowChange,
  reasonForCsv,
} from "../cli/csv-changes.ts";
import { type ParsedChange, parseUserChange, type UserKey } from "../contract/user-change.ts";

/**
 * The rows of a snapshot file, read as a stream (a file of 50,000 people is never whole in memory):
 * CSV with `enqueue`'s columns, or NDJSON of `{ user, set }` objects (`changedAt`, `changeId` and
 * `ifMissing` optional). Every row is validated against the message contract; `changedAt` is the
 * snapshot's time unless the row carries its own, and `changeId` a placeholder (the reconcile derives
 * the id of what it enqueues from its content).
 */

/** A readable row, a rejected one (with the person it names when that much could be read), or a file-level problem. */
export type SnapshotRow =
  | { readonly line: number; readonly parsed: ParsedChange }
  | { readonly line: number; readonly reject: string; readonly names?: UserKey }
  | { readonly fileProblem: string; readonly line: number };

const PLACEHOLDER_ID = "reconcile";

/** A snapshot's format by its name's extension (any case): `.csv`, else `.ndjson`, `.jsonl`, `.json`. */
const FORMATS: Readonly<Record<string, "csv" | "ndjson">> = {
  ".csv": "csv",
  ".ndjson": "ndjson",
  ".jsonl": "ndjson",
  ".json": "ndjson",
};

/** The format of a snapshot named `name` (a path or an S3 key), or undefined for another extension. */
export function snapshotFormatOf(name: string): "csv" | "ndjson" | undefined {
  const dot = name.lastIndexOf(".");
  if (dot < 0 || dot < name.lastIndexOf("/")) return undefined;
  const extension = name.slice(dot).toLowerCase();
  return Object.hasOwn(FORMATS, extension) ? FORMATS[extension] : undefined;
}

export async function* snapshotRows(
  body: Readable,
  format: "csv" | "ndjson",
  changedAt: string,
): AsyncGenerator<SnapshotRow> {
  if (format === "csv") yield* csvRows(body, changedAt);
  else yield* ndjsonRows(body, changedAt);
}

async function* csvRows(body: Readable, changedAt: string): AsyncGenerator<SnapshotRow> {
  // With `info: true` each record comes as `{ record, info }` (csv-parse's typings do not say so).
  const records = body.pipe(crlfToLf()).pipe(parse(CSV_PARSE_OPTIONS)) as AsyncIterable<{
    record: string[];
    info: { lines: number };
  }>;
  let header: string[] | undefined;
  try {
    for await (const { record, info } of records) {
      const { line, cells } = csvRecordCells(record, info);
      if (header === undefined) {
        const problem = checkHeader(cells);
        if (problem !== undefined) {
          yield { fileProblem: problem, line };
          return;
        }
        header = cells;
        continue;
      }
      const mapped = csvRowChange(header, cells, { changedAt });
      if (mapped === undefined) continue;
      if ("reject" in mapped) {
        yield { line, reject: mapped.reject, ...namesIn(mapped.cells) };
        continue;
      }
      const parsed = parseUserChange(JSON.stringify(mapped.change));
      if (parsed.ok) yield { line, parsed: parsed.value };
      else {
        const change = mapped.change as { user?: Record<string, string> };
        yield { line, reject: reasonForCsv(parsed.reason), ...namesInRef(change.user) };
      }
    }
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    yield {
      fileProblem: `not valid CSV: ${error.message}`,
      line: typeof error.lines === "number" ? error.lines : 1,
    };
    return;
  }
  if (header === undefined) yield { fileProblem: "no header row", line: 1 };
}

async function* ndjsonRows(body: Readable, changedAt: string): AsyncGenerator<SnapshotRow> {
  let line = 0;
  for await (const text of createInterface({ input: body, crlfDelay: Number.POSITIVE_INFINITY })) {
    line += 1;
    if (text.trim() === "") continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      yield { line, reject: `not JSON: ${(error as Error).message}` };
      continue;
    }
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
      yield { line, reject: "must be an object { user, set }" };
      continue;
    }
    const row = json as Record<string, unknown>;
    const parsed = parseUserChange(JSON.stringify({ changeId: PLACEHOLDER_ID, changedAt, ...row }));
    if (parsed.ok) yield { line, parsed: parsed.value };
    else yield { line, reject: parsed.reason, ...namesInRef(row.user) };
  }
}

/** The person a rejected CSV row still names (its identity cell), so a reconcile never deactivates them. */
function namesIn(cells: ReadonlyMap<string, string>): { names?: UserKey } {
  return namesInRef({
    email: cells.get("email"),
    employeeId: cells.get("employeeId"),
    id: cells.get("userId"),
  });
}

function namesInRef(ref: unknown): { names?: UserKey } {
  if (typeof ref !== "object" || ref === null) return {};
  for (const by of ["email", "employeeId", "id"] as const) {
    const value = (ref as Record<string, unknown>)[by];
    if (typeof value === "string" && value.trim() !== "" && value !== "null") {
      return { names: { by, value: by === "email" ? value.trim().toLowerCase() : value.trim() } };
    }
  }
  return {};
}

/**
 * CRLF and lone CR line endings to LF, across chunk boundaries, so that csv-parse counts lines the same
 * for every file (as `csvChanges` does on whole text).
 */
function crlfToLf(): Transform {
  let pendingCr = false;
  // A multi-byte character may be split across chunks: the decoder holds its first bytes back.
  const decoder = new StringDecoder("utf8");
  return new Transform({
    transform(chunk: Buffer | string, _encoding, done) {
      let text = (pendingCr ? "\r" : "") + (typeof chunk === "string" ? chunk : decoder.write(chunk));
      pendingCr = text.endsWith("\r");
      if (pendingCr) text = text.slice(0, -1);
      done(null, text.replace(/\r\n?/g, "\n"));
    },
    flush(done) {
      const rest = decoder.end().replace(/\r\n?/g, "\n");
      done(null, (pendingCr ? "\n" : "") + rest);
    },
  });
}
