import type { FileReject } from "../cli/change-file.ts";
import { contentId } from "../contract/content-id.ts";
import {
  type ChangeSet,
  describeUserKey,
  type ParsedChange,
  type UserChange,
  type UserKey,
  userKeyString,
} from "../contract/user-change.ts";
import type { GenesysUser } from "../genesys/types.ts";
import { type AccessHoldings, AccessNeeds, NO_HOLDINGS } from "./access-holdings.ts";
import { diffPerson, setOf } from "./person-diff.ts";
import type { Population } from "./population.ts";
import type { ReconcileOptions } from "./reconcile-options.ts";
import type { ReconcileKind } from "./reconcile-report.ts";

/** Examples kept per kind for the report. */
const EXAMPLES_PER_KIND = 5;

/** One change to enqueue, with the kind it was counted under. */
export interface PlannedChange {
  readonly kind: "changed" | "created" | "deactivated" | "unlisted";
  readonly change: UserChange;
}

/** What the rows and the listing come to, before the guard. */
export interface SnapshotVerdict {
  readonly changes: readonly PlannedChange[];
  readonly counts: Record<ReconcileKind, number>;
  readonly byField: Record<string, number>;
  readonly examples: Partial<Record<ReconcileKind, string[]>>;
  readonly rejects: readonly FileReject[];
  /** People the file names who were read (not rejected). */
  readonly people: number;
  /** Active users in the deactivation scope (the guard's whole for deactivations). */
  readonly activeInScope: number;
}

/**
 * The diff of a snapshot against the org, row by row as the file streams (`addRow`, `reject`), then
 * the users the file does not list (`finish`). Decisions only: the rows, the listing and the options
 * in, the changes and the counts out.
 *
 * - A person found exactly once: the fields that differ (`diffPerson`), enqueued by user id, so the
 *   sync neither searches nor guesses; none differing: unchanged. A row naming queues, or grants of a
 *   role its user holds, waits until the end (`needs` says what to read for them, once for the whole
 *   file; `finish` judges them with what was read, so their changes come after the others): only those
 *   rows are held in memory.
 * - A person not found: when the listing is whole (every inactive user listed, and every employer info
 *   known when people are named by employee id), created with `--create-missing` (it needs an email
 *   and a name) or reported absent. When it is not whole, the person may be among the users it missed:
 *   the whole row is enqueued as named (`unlisted`) and the sync, which searches, decides.
 * - With `--deactivate-missing`: every active user in scope, not kept, that no row names (a rejected
 *   row's person included) becomes a deactivation, by id. With `--key employeeId`, users whose employee
 *   id is unknown or empty cannot be named by the file and are never deactivated.
 */
export class SnapshotDiff {
  readonly #population: Population;
  readonly #options: ReconcileOptions;
  readonly #listingWhole: boolean;
  readonly #changes: PlannedChange[] = [];
  readonly #counts: Record<ReconcileKind, number> = {
    unchanged: 0,
    changed: 0,
    created: 0,
    deactivated: 0,
    absent: 0,
    unlisted: 0,
    rejected: 0,
  };
  readonly #byField: Record<string, number> = {};
  readonly #examples: Partial<Record<ReconcileKind, string[]>> = {};
  readonly #rejects: FileReject[] = [];
  /** Line of the row that named each person (by key string), to refuse a second row for them. */
  readonly #lineOf = new Map<string, number>();
  /** Users a row names (read or rejected): never deactivated. */
  readonly #named = new Set<string>();
  #people = 0;
  /** Rows whose queues or grants are judged at `finish`, with the user each names. */
  readonly #waiting: { readonly row: ParsedChange; readonly user: GenesysUser }[] = [];
  /** What the waiting rows need read. */
  readonly needs = new AccessNeeds();

  /** `changedAt` of the deactivations: `--as-of`, else the file's modification time. */
  readonly #snapshotTime: string;

  constructor(
    population: Population,
    options: ReconcileOptions,
    context: { readonly inactiveCapped: boolean; readonly snapshotTime: string },
  ) {
    this.#population = population;
    this.#options = options;
    this.#snapshotTime = options.asOf ?? context.snapshotTime;
    this.#listingWhole =
      !context.inactiveCapped && (options.key !== "employeeId" || population.employerUnknown.length === 0);
  }

  /** A row the file could not give as a change; the person it names, if any, is protected. */
  reject(line: number, reason: string, names?: UserKey): void {
    this.#rejects.push({ line, reason });
    this.#counts.rejected += 1;
    if (names !== undefined) for (const user of this.#population.find(names)) this.#named.add(user.id);
  }

  addRow(line: number, row: ParsedChange): void {
    const subject = row.subject;
    if (subject.by !== "id" && subject.by !== this.#options.key) {
      this.reject(
        line,
        `names the person by ${subject.by}; this reconcile names people by ${this.#options.key} (--key)`,
        subject,
      );
      return;
    }
    const keyString = userKeyString(subject);
    const first = this.#lineOf.get(keyString);
    if (first !== undefined) {
      this.reject(line, `names ${describeUserKey(subject)} again (first at line ${first})`, subject);
      return;
    }
    this.#lineOf.set(keyString, line);
    const found = this.#population.find(subject);
    for (const user of found) this.#named.add(user.id);
    if (found.length > 1) {
      this.reject(
        line,
        `${describeUserKey(subject)} is carried by ${found.length} users (${found.map((u) => u.id).join(", ")}): name the person by userId`,
      );
      return;
    }
    this.#people += 1;
    const user = found[0];
    if (user !== undefined) {
      if (this.needs.add(row, user)) this.#waiting.push({ row, user });
      else this.#judge(row, user);
      return;
    }
    if (!this.#listingWhole) {
      const { changeId: _id, changedAt: _at, ...named } = row.change;
      const ifMissing = this.#options.createMissing && creatable(row) ? { ifMissing: "create" as const } : {};
      this.#plan("unlisted", subject.value, this.#timeOf(row), { ...named, ...ifMissing });
      return;
    }
    if (!this.#options.createMissing) {
      this.#count("absent", subject.value);
      return;
    }
    const email = subject.by === "email" ? subject.value : row.change.set.email;
    if (!creatable(row) || email === undefined) {
      this.reject(line, "not in Genesys, and cannot be created: a new user needs an email and a name");
      return;
    }
    const set: ChangeSet =
      subject.by === "employeeId" ? { ...row.change.set, employeeId: subject.value } : row.change.set;
    this.#plan("created", subject.value, this.#timeOf(row), { user: { email }, ifMissing: "create", set });
  }

  /** The rows that waited (judged with `holdings`), the deactivations of the users no row named, and the verdict. */
  finish(holdings: AccessHoldings = NO_HOLDINGS): SnapshotVerdict {
    for (const { row, user } of this.#waiting.splice(0)) this.#judge(row, user, holdings);
    const scope = new Set(this.#options.scopeDivisions.map((d) => d.trim().toLowerCase()));
    const keep = new Set(this.#options.keep.map((k) => k.trim().toLowerCase()));
    let activeInScope = 0;
    for (const user of this.#population.users()) {
      if (user.state !== "active") continue;
      if (scope.size > 0 && !scope.has(user.division?.name?.toLowerCase() ?? "")) continue;
      activeInScope += 1;
      if (!this.#options.deactivateMissing || this.#named.has(user.id)) continue;
      if (keep.has(user.id.toLowerCase()) || keep.has(user.email?.trim().toLowerCase() ?? "")) continue;
      if (this.#options.key === "employeeId" && !user.employerInfo?.employeeId?.trim()) continue;
      this.#plan("deactivated", user.email ?? user.id, this.#snapshotTime, {
        userId: user.id,
        set: { state: "inactive" },
      });
    }
    return {
      changes: this.#changes,
      counts: this.#counts,
      byField: this.#byField,
      examples: this.#examples,
      rejects: [...this.#rejects].sort((a, b) => a.line - b.line),
      people: this.#people,
      activeInScope,
    };
  }

  #judge(row: ParsedChange, user: GenesysUser, holdings?: AccessHoldings): void {
    const { differs } = diffPerson(row, user, this.#population, holdings);
    if (differs.length === 0) {
      this.#count("unchanged", row.subject.value);
      return;
    }
    for (const field of differs) this.#byField[field] = (this.#byField[field] ?? 0) + 1;
    this.#plan("changed", `${row.subject.value} (${differs.join(", ")})`, this.#timeOf(row), {
      userId: user.id,
      set: setOf(row.change.set, differs),
    });
  }

  #count(kind: ReconcileKind, example: string): void {
    this.#counts[kind] += 1;
    const examples = this.#examples[kind] ?? [];
    if (examples.length < EXAMPLES_PER_KIND) this.#examples[kind] = [...examples, example];
  }

  #plan(
    kind: PlannedChange["kind"],
    example: string,
    changedAt: string,
    body: Omit<UserChange, "changeId" | "changedAt">,
  ): void {
    this.#count(kind, example);
    this.#changes.push({ kind, change: contentAddressed(body, changedAt) });
  }

  /** A row's time: `--as-of` when given, else the row's `changedAt` cell, else the file's time. */
  #timeOf(row: ParsedChange): string {
    return this.#options.asOf ?? row.change.changedAt;
  }
}

const creatable = (row: ParsedChange): boolean =>
  row.change.set.name !== undefined && (row.subject.by === "email" || row.change.set.email !== undefined);

/**
 * The change with its `changedAt` and an id derived from its content (`rec-` and 24 hex digits of the
 * SHA-256 of the person, the fields sorted, the time and `ifMissing`): a second reconcile of the same
 * file against the same org enqueues the very same changes, which the sync settles once.
 */
export function contentAddressed(
  body: Omit<UserChange, "changeId" | "changedAt">,
  changedAt: string,
): UserChange {
  const set = Object.fromEntries(Object.entries(body.set).sort(([a], [b]) => (a < b ? -1 : 1))) as ChangeSet;
  const who = body.userId !== undefined ? { userId: body.userId } : { user: body.user };
  return {
    changeId: contentId("rec", [who, set, changedAt, body.ifMissing ?? null]),
    ...who,
    changedAt,
    ...(body.ifMissing ? { ifMissing: body.ifMissing } : {}),
    set,
  } as UserChange;
}
