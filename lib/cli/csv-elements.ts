import type { ChangeSet } from "../contract/user-change.ts";

/**
 * The CSV columns of routing and access (`set.skills`, `languages`, `queues`, `roles`, `location`),
 * one cell each. An element column holds entries separated by `;`, each a name, a colon and a value:
 *
 * - `skills`, `languages`: `Billing:4;Sales:2.5;Old Skill:null` (a proficiency, or `null` to remove);
 * - `queues`: `Support EMEA:true;Support APAC:false` (true joins, false leaves; any case);
 * - `roles`: `Agent:true;Supervisor:false;Team Lead:EMEA|APAC` (true: the home division; false:
 *   removed in every division; else division names separated by `|`).
 *
 * The value is what follows the LAST colon, so a name may hold colons and spaces (not `;`); names and
 * values are trimmed, and an empty entry (`Billing:4;`) is ignored. A name given twice in one cell, an
 * entry without a colon, a value that is not of the column's kind, or `null` for the whole cell is a
 * problem named by its column. Ranges (a proficiency 0 to 5) are the contract's to check.
 *
 * `location` (a name → `set.location.name`) or `locationId` (an id → `set.location.id`), at most one
 * per row; `null` in either removes the user's location.
 */

/** The element columns, each the `set` key of its map. */
export const ELEMENT_COLUMNS = [
  "skills",
  "languages",
  "queues",
  "roles",
] as const satisfies readonly (keyof ChangeSet)[];
export const LOCATION_COLUMNS = ["location", "locationId"] as const;

type ElementColumn = (typeof ELEMENT_COLUMNS)[number];
type ElementValue = number | boolean | null | { readonly divisions: string[] };

/** What one column's values are, for its messages. */
const WHAT: Record<ElementColumn, { readonly one: string; readonly example: string }> = {
  skills: { one: "skill", example: "Billing:4;Sales:null" },
  languages: { one: "language", example: "French:3;German:null" },
  queues: { one: "queue", example: "Support EMEA:true;Support APAC:false" },
  roles: { one: "role", example: "Agent:true;Supervisor:false;Team Lead:EMEA|APAC" },
};

/**
 * Reads a row's routing and access cells (non-empty, trimmed, by column) into `set`; each cell that
 * cannot be read adds a problem naming its column.
 */
export function readRoutingCells(
  row: ReadonlyMap<string, string>,
  set: Record<string, unknown>,
  problems: string[],
): void {
  for (const column of ELEMENT_COLUMNS) {
    const cell = row.get(column);
    if (cell === undefined) continue;
    const read = readElementCell(column, cell);
    if ("problem" in read) problems.push(`${column}: ${read.problem}`);
    else set[column] = read.map;
  }
  const located = LOCATION_COLUMNS.filter((c) => row.has(c));
  if (located.length > 1) {
    problems.push("location and locationId are both filled: give the location one way");
  } else if (located.length === 1) {
    const column = located[0] as (typeof LOCATION_COLUMNS)[number];
    const cell = row.get(column) as string;
    set.location = cell === "null" ? null : column === "location" ? { name: cell } : { id: cell };
  }
}

function readElementCell(
  column: ElementColumn,
  cell: string,
): { readonly map: Record<string, ElementValue> } | { readonly problem: string } {
  const { one, example } = WHAT[column];
  if (cell === "null") {
    return { problem: `null cannot remove every ${one}: name each one, e.g. ${example}` };
  }
  // A Map, not an object: a name such as `__proto__` is a name like any other.
  const map = new Map<string, ElementValue>();
  for (const entry of cell.split(";").map((e) => e.trim())) {
    if (entry === "") continue;
    const at = entry.lastIndexOf(":");
    const name = entry.slice(0, Math.max(at, 0)).trim();
    if (at < 0 || name === "") {
      return { problem: `${JSON.stringify(entry)} is not a name and a value (name:value), e.g. ${example}` };
    }
    if (map.has(name)) return { problem: `${name}: named twice` };
    const value = readValue(column, entry.slice(at + 1).trim());
    if (typeof value === "object" && value !== null && "problem" in value) {
      return { problem: `${name}: ${value.problem}` };
    }
    map.set(name, value);
  }
  if (map.size === 0) return { problem: `names no ${one}, e.g. ${example}` };
  return { map: Object.fromEntries(map) };
}

function readValue(column: ElementColumn, text: string): ElementValue | { readonly problem: string } {
  const lower = text.toLowerCase();
  switch (column) {
    case "skills":
    case "languages":
      if (text === "null") return null;
      // The syntax of a number here; its range is the contract's (0 to 5).
      if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
      return {
        problem: `must be a proficiency from 0 to 5, or null to remove it, not ${JSON.stringify(text)}`,
      };
    case "queues":
      if (lower === "true" || lower === "false") return lower === "true";
      return { problem: `must be true (join) or false (leave), not ${JSON.stringify(text)}` };
    case "roles": {
      if (lower === "true" || lower === "false") return lower === "true";
      const divisions = text.split("|").map((d) => d.trim());
      if (divisions.some((d) => d === "")) {
        return {
          problem: `must be true (the home division), false (removed) or division names separated by |, not ${JSON.stringify(text)}`,
        };
      }
      return { divisions };
    }
  }
}
