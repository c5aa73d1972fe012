import type { DeadLetterRow } from "./dead-letter-row.ts";

const DASH = "-";

/** `2026-01-01T10:00:00.123Z` → `2026-01-01T10:00:00Z`; `-` when absent or not a time. */
export function shortTime(iso: string | undefined): string {
  if (iso === undefined) return DASH;
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

const COLUMNS = [
  "CHANGE ID",
  "USER ID",
  "REASON CODE",
  "STATUS",
  "ATTEMPTS",
  "FIRST SEEN",
  "DEAD-LETTERED",
  "REASON",
] as const;

/** The cells of one row of the human table, in `COLUMNS` order. */
export function rowCells(row: DeadLetterRow): string[] {
  return [
    row.changeId ?? DASH,
    row.userId ?? DASH,
    row.reasonCode || DASH,
    row.lastStatus === undefined ? DASH : String(row.lastStatus),
    row.attempts === undefined ? DASH : String(row.attempts),
    shortTime(row.firstSeenAt),
    shortTime(row.deadLetteredAt),
    oneLine(row.reason) || DASH,
  ];
}

/**
 * The human table: one line per dead letter, columns padded to their widest cell, the reason last
 * (unpadded, whole). No trailing newline. Empty input gives a one-line note.
 */
export function formatTable(rows: readonly DeadLetterRow[]): string {
  if (rows.length === 0) return "(no dead letters)";
  const lines = [Array.from(COLUMNS), ...rows.map(rowCells)];
  const widths = COLUMNS.map((_, i) => Math.max(...lines.map((cells) => (cells[i] ?? "").length)));
  return lines
    .map((cells) =>
      cells
        .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** The machine form of a row (`--json`): every field, absent values as null. */
export function rowJson(row: DeadLetterRow): Record<string, string | number | boolean | null> {
  return {
    messageId: row.messageId,
    changeId: row.changeId ?? null,
    userId: row.userId ?? null,
    envelope: row.envelope ?? null,
    bodyValid: row.bodyValid,
    bodyProblem: row.bodyProblem ?? null,
    reasonCode: row.reasonCode,
    reason: row.reason,
    redriven: row.redriven,
    lastStatus: row.lastStatus ?? null,
    attempts: row.attempts ?? null,
    firstSeenAt: row.firstSeenAt ?? null,
    deadLetteredAt: row.deadLetteredAt ?? null,
    sourceQueueArn: row.sourceQueueArn ?? null,
  };
}

/** Oldest first: by dead-lettered time (redriven ones, which have none, by first seen), then change id. */
export function sortRows(rows: readonly DeadLetterRow[]): DeadLetterRow[] {
  const key = (r: DeadLetterRow): number => {
    const t = Date.parse(r.deadLetteredAt ?? r.firstSeenAt ?? "");
    return Number.isFinite(t) ? t : Number.POSITIVE_INFINITY;
  };
  return [...rows].sort((a, b) => key(a) - key(b) || (a.changeId ?? "").localeCompare(b.changeId ?? "") || 0);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** `reasonCode: count` lines, most frequent first (the operator's first question about a DLQ). */
export function formatReasonCounts(rows: readonly DeadLetterRow[]): string {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.reasonCode, (counts.get(row.reasonCode) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([code, n]) => `  ${code}: ${n}`)
    .join("\n");
}
