import { CsvError, type Info, parse } from "csv-parse/sync";
import { contentId } from "../contract/content-id.ts";
import type { ChangeSet } from "../contract/user-change.ts";
import type { FileReject } from "./change-file.ts";
import { ELEMENT_COLUMNS, LOCATION_COLUMNS, readRoutingCells } from "./csv-elements.ts";

/**
 * CSV in: a header row, then one change per record (RFC 4180: fields may be quoted, and a quoted field
 * may hold commas, doubled quotes and newlines). The columns, by header name (trimmed, exact case):
 *
 * - identity: `userId` (→ `userId`), `email` (→ `user.email`), `employeeId` (→ `user.employeeId`);
 *   exactly one is non-empty per row and names the person.
 * - one column per settable field by its contract name: `extension`, `title`, `department`, `name`,
 *   `state`, `preferredName`, `employeeType`, `dateHire`, `officialName`, `workPhone`, `mobilePhone`,
 *   `acdAutoAnswer` (`true`/`false`, any case). `email` and `employeeId` name the person, so the new
 *   values of those two fields go in `newEmail` (→ `set.email`) and `newEmployeeId` (→ `set.employeeId`).
 * - the manager, at most one per row: `managerId` (a user id → `set.managerId`), `managerEmail`
 *   (→ `set.manager.email`), `managerEmployeeId` (→ `set.manager.employeeId`); `null` in any of them
 *   removes the manager.
 * - the division, at most one per row: `division` (a name → `set.division.name`) or `divisionId` (an
 *   id → `set.division.id`). Every user is in a division, so `null` is rejected there.
 * - routing and access (`csv-elements.ts`): `skills`, `languages` (`Billing:4;Sales:null`), `queues`
 *   (`Support EMEA:true;Support APAC:false`), `roles` (`Agent:true;Supervisor:false;Team Lead:EMEA|APAC`);
 *   the location, at most one per row: `location` (a name) or `locationId` (an id); `null` removes it.
 * - `ifMissing` (→ `ifMissing`: `create` or `deadLetter`, as the contract spells them).
 * - `changedAt` (else the caller's default) and `changeId` (else derived from the row, see below).
 *
 * Every cell is trimmed. An empty cell means "not in this change"; the literal `null` sets null (which
 * the contract accepts only for the fields it can clear). A row whose cells are all empty is skipped as
 * a blank line. An unknown or repeated column rejects the whole file at line 1.
 */

const IDENTITY_COLUMNS = ["userId", "email", "employeeId"] as const;
const MANAGER_COLUMNS = ["managerId", "managerEmail", "managerEmployeeId"] as const;
/** The division by name (`division`, as HR systems and SCIM give it) or by id (`divisionId`). */
const DIVISION_COLUMNS = ["division", "divisionId"] as const;
/** Columns that set the field of the same name. */
const FIELD_COLUMNS = [
  "extension",
  "title",
  "department",
  "name",
  "state",
  "preferredName",
  "employeeType",
  "dateHire",
  "officialName",
  "workPhone",
  "mobilePhone",
  "acdAutoAnswer",
] as const satisfies readonly (keyof ChangeSet)[];
/** Columns for the fields whose contract names are taken by identity columns. */
const RENAMED_COLUMNS = { newEmail: "email", newEmployeeId: "employeeId" } as const satisfies Record<
  string,
  keyof ChangeSet
>;
const META_COLUMNS = ["changedAt", "changeId", "ifMissing"] as const;

const KNOWN_COLUMNS: ReadonlySet<string> = new Set([
  ...IDENTITY_COLUMNS,
  ...FIELD_COLUMNS,
  ...Object.keys(RENAMED_COLUMNS),
  ...MANAGER_COLUMNS,
  ...DIVISION_COLUMNS,
  ...ELEMENT_COLUMNS,
  ...LOCATION_COLUMNS,
  ...META_COLUMNS,
]);

interface ParsedRecord {
  readonly record: string[];
  readonly info: Info;
}

export interface CsvOptions {
  /** `changedAt` of a row without a `changedAt` cell (the CLI: `--changed-at`, or the file's mtime). */
  readonly changedAt: string;
}

export interface CsvChanges {
  /** Each row as a change object (not yet validated against the contract), with its first line. */
  readonly changes: { readonly line: number; readonly change: Record<string, unknown> }[];
  readonly rejects: FileReject[];
}

/**
 * Maps a CSV file to change objects, one per record, each with the line number of its FIRST physical
 * line (the header is line 1; a quoted newline makes a record span lines). Rows that cannot be mapped
 * (no or two identities, two managers, a bad boolean, a wrong field count) are rejected by line; the
 * rest still have to pass `parseUserChange`. Text that is not CSV (e.g. an unclosed quote) rejects the
 * file. Pure.
 */
export function csvChanges(text: string, options: CsvOptions): CsvChanges {
  let records: readonly ParsedRecord[];
  try {
    // Line endings are normalized first so that csv-parse counts lines the same for CRLF and LF files.
    // With `info: true` each record comes as `{ record, info }` (csv-parse's typings do not say so).
    records = parse(text.replace(/\r\n?/g, "\n"), CSV_PARSE_OPTIONS) as unknown as ParsedRecord[];
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const line = typeof error.lines === "number" ? error.lines : 1;
    return { changes: [], rejects: [{ line, reason: `not valid CSV: ${error.message}` }] };
  }
  const [head, ...rows] = records.map(({ record, info }) => csvRecordCells(record, info));
  if (head === undefined) return { changes: [], rejects: [{ line: 1, reason: "no header row" }] };
  const headerProblem = checkHeader(head.cells);
  if (headerProblem !== undefined) {
    return { changes: [], rejects: [{ line: head.line, reason: headerProblem }] };
  }
  const changes: CsvChanges["changes"] = [];
  const rejects: FileReject[] = [];
  for (const { line, cells } of rows) {
    const mapped = csvRowChange(head.cells, cells, options);
    if (mapped === undefined) continue;
    if ("reject" in mapped) rejects.push({ line, reason: mapped.reject });
    else changes.push({ line, change: mapped.change });
  }
  return { changes, rejects };
}

/** csv-parse's options for change files, shared by the whole-text and the streaming readers. */
export const CSV_PARSE_OPTIONS = {
  bom: true,
  info: true,
  record_delimiter: "\n",
  relax_column_count: true,
  skip_empty_lines: true,
  trim: true, // spaces around a quoted field (`a, "b, c" ,d`) are allowed and dropped
} as const;

/** A parsed record as its first line and trimmed cells. */
export function csvRecordCells(
  record: readonly string[],
  info: Pick<Info, "lines">,
): { line: number; cells: string[] } {
  return {
    // `info.lines` is the record's LAST line; its quoted newlines say how many lines it spans.
    line: info.lines - record.reduce((n, field) => n + (field.match(/\n/g)?.length ?? 0), 0),
    cells: record.map((cell) => cell.trim()),
  };
}

/**
 * One record (after the header) as a change object, or why it cannot be one; undefined for a row whose
 * cells are all empty (a blank line).
 */
export function csvRowChange(
  header: readonly string[],
  cells: readonly string[],
  options: CsvOptions,
): { change: Record<string, unknown> } | { reject: string; cells: ReadonlyMap<string, string> } | undefined {
  if (cells.every((cell) => cell === "")) return undefined;
  const row = new Map<string, string>();
  header.forEach((column, i) => {
    const cell = cells[i];
    if (cell !== undefined && cell !== "") row.set(column, cell);
  });
  if (cells.length !== header.length) {
    return { reject: `has ${cells.length} fields, the header has ${header.length}`, cells: row };
  }
  const mapped = rowToChange(row, options);
  return "reject" in mapped ? { reject: mapped.reject, cells: row } : mapped;
}

/** Why a header row cannot be read, or undefined. */
export function checkHeader(columns: readonly string[]): string | undefined {
  const unnamed = columns.indexOf("");
  if (unnamed >= 0) return `header: column ${unnamed + 1} has no name`;
  const unknown = columns.filter((c) => !KNOWN_COLUMNS.has(c));
  if (unknown.length > 0) {
    return `header: unknown column(s) ${unknown.join(", ")}; the columns are ${[...KNOWN_COLUMNS].join(", ")}`;
  }
  const repeated = columns.filter((c, i) => columns.indexOf(c) !== i);
  if (repeated.length > 0) return `header: column(s) ${[...new Set(repeated)].join(", ")} given twice`;
  if (!columns.some((c) => (IDENTITY_COLUMNS as readonly string[]).includes(c))) {
    return `header: no identity column; give one or more of ${IDENTITY_COLUMNS.join(", ")}`;
  }
  return undefined;
}

/** One row (its non-empty, trimmed cells by column) as a change object, or why it cannot be one. */
function rowToChange(
  row: ReadonlyMap<string, string>,
  options: CsvOptions,
): { change: Record<string, unknown> } | { reject: string } {
  const problems: string[] = [];

  const identities = IDENTITY_COLUMNS.filter((c) => row.has(c));
  if (identities.length === 0) problems.push(`names nobody: fill one of ${IDENTITY_COLUMNS.join(", ")}`);
  if (identities.length > 1) {
    problems.push(
      `${identities.join(" and ")} are ${bothOrAll(identities)} filled: name the person by exactly one`,
    );
  }
  const identity = identities.length === 1 ? (identities[0] as (typeof IDENTITY_COLUMNS)[number]) : undefined;
  if (identity !== undefined && row.get(identity) === "null") {
    problems.push(`${identity}: null cannot name a person`);
  }

  const set: Record<string, unknown> = {};
  for (const column of FIELD_COLUMNS) {
    const cell = row.get(column);
    if (cell === undefined) continue;
    if (column === "acdAutoAnswer" && cell !== "null") {
      const lower = cell.toLowerCase();
      if (lower === "true" || lower === "false") set[column] = lower === "true";
      else problems.push(`acdAutoAnswer: must be true or false, not ${JSON.stringify(cell)}`);
    } else set[column] = nullOr(cell);
  }
  for (const [column, field] of Object.entries(RENAMED_COLUMNS)) {
    const cell = row.get(column);
    if (cell !== undefined) set[field] = nullOr(cell);
  }
  const managers = MANAGER_COLUMNS.filter((c) => row.has(c));
  if (managers.length > 1) {
    problems.push(`${managers.join(" and ")} are ${bothOrAll(managers)} filled: give the manager one way`);
  } else if (managers.length === 1) {
    const column = managers[0] as (typeof MANAGER_COLUMNS)[number];
    const cell = row.get(column) as string;
    if (column === "managerId") set.managerId = nullOr(cell);
    else if (cell === "null") set.manager = null;
    else set.manager = column === "managerEmail" ? { email: cell } : { employeeId: cell };
  }
  const divisions = DIVISION_COLUMNS.filter((c) => row.has(c));
  if (divisions.length > 1) {
    problems.push("division and divisionId are both filled: give the division one way");
  } else if (divisions.length === 1) {
    const column = divisions[0] as (typeof DIVISION_COLUMNS)[number];
    const cell = row.get(column) as string;
    if (cell === "null") problems.push(`${column}: null cannot clear the division (every user is in one)`);
    else set.division = column === "division" ? { name: cell } : { id: cell };
  }
  readRoutingCells(row, set, problems);

  if (problems.length > 0 || identity === undefined) return { reject: problems.join("; ") };
  const value = row.get(identity) as string;
  const who =
    identity === "userId"
      ? { userId: value }
      : { user: identity === "email" ? { email: value } : { employeeId: value } };
  const changedAt = row.get("changedAt") ?? options.changedAt;
  const ifMissing = row.get("ifMissing");
  const sortedSet = Object.fromEntries(Object.entries(set).sort(([a], [b]) => (a < b ? -1 : 1)));
  const changeId = row.get("changeId") ?? derivedChangeId(who, sortedSet, changedAt, ifMissing);
  return {
    change: {
      changeId,
      ...who,
      changedAt,
      ...(ifMissing === undefined ? {} : { ifMissing }),
      set: sortedSet,
    },
  };
}

const bothOrAll = (columns: readonly string[]): string => (columns.length === 2 ? "both" : "all");

const nullOr = (cell: string): string | null => (cell === "null" ? null : cell);

/**
 * `csv-` and the first 24 hex digits of the SHA-256 of the row's person, fields (sorted),
 * `changedAt` and `ifMissing` when given: the same row always gets the same id, so enqueueing a file
 * again is idempotent (and two identical rows are one change). A row without `ifMissing` hashes as
 * before the column existed, so files enqueued then keep their ids.
 */
function derivedChangeId(who: object, set: object, changedAt: string, ifMissing: string | undefined): string {
  return contentId("csv", ifMissing === undefined ? [who, set, changedAt] : [who, set, changedAt, ifMissing]);
}

/** Contract paths as the CSV names them; others are left as they are. */
const COLUMN_OF_PATH: Readonly<Record<string, string>> = {
  "user.email": "email",
  "user.employeeId": "employeeId",
  "set.email": "newEmail",
  "set.employeeId": "newEmployeeId",
  "set.managerId": "managerId",
  "set.manager.email": "managerEmail",
  "set.manager.employeeId": "managerEmployeeId",
  "set.manager": "manager",
  "set.division.name": "division",
  "set.division.id": "divisionId",
  "set.location.name": "location",
  "set.location.id": "locationId",
  set: "(row)",
};

/**
 * A reject reason of `parseUserChange` (`set.email: must be an email address; ...`) with each path
 * named by its CSV column (`newEmail: must be an email address; ...`). An element's path holds its
 * name, which may hold spaces: `set.skills.Customer Care: ...` reads `skills: Customer Care: ...`.
 */
export function reasonForCsv(reason: string): string {
  return reason
    .replace(/(^|; )set\.(skills|languages|queues|roles)\.(.+?): /g, "$1$2: $3: ")
    .replace(
      /(^|; )([\w.()]+): /g,
      (_, start: string, path: string) =>
        `${start}${COLUMN_OF_PATH[path] ?? (path.startsWith("set.") ? path.slice(4) : path)}: `,
    );
}
