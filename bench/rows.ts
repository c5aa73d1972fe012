/**
 * The rows of the benchmark: who runs (this project or a peer), how many at once, with how many
 * tokens, under which limits; and the simulator's and the project's limits that follow from them.
 *
 * Every row's binding limit is the bench's L calls per window, except the `half` rows of one token
 * (L / 2), so the rows take about the same time:
 * - `known`: per token L / pool, per client L (= pool x per token); the project is told both.
 * - `hidden`: per token L / 2.5, per client L (2.5 tokens' worth); the project is told the per-token
 *   limit and a client total of pool x per token (4 L at pool 10): the client's real total is hidden.
 * - `half`: per token L / 2, per client L; the project is told L per token and L per client: the
 *   per-token limit is half what it is told.
 * - `hidden-half`: per token L, per client L (one token's worth); the project is told 2 L per token and
 *   nothing else, and the org's limits API is unavailable: the real limit is half what it is told, per
 *   token and per client alike, and the client's total is assumed (pool x per token).
 * - `client-unknown`: per token L, per client L; the project is told L per token and nothing else
 *   (the org's limits API unavailable): the per-token limit is as told, the client's total unknown.
 * `headers` rows have the simulator send the `inin-ratelimit-*` headers (the tightest window) on
 * every answer; the others send none.
 */
import { type ScriptKind, TERRAFORM_POOL_SIZE } from "./script-rows.ts";

export type Approach = "project" | ScriptKind;
export type Condition = "known" | "hidden" | "half" | "hidden-half" | "client-unknown";

export interface RowSpec {
  readonly id: string;
  readonly approach: Approach;
  /** Concurrent invocations (the project) or workers (the peers). */
  readonly invocations: number;
  /**
   * The project: `GENESYS_TOKEN_POOL_SIZE`, the tokens of all its invocations together. A peer: the
   * tokens each of its workers holds (1, or `TERRAFORM_POOL_SIZE`).
   */
  readonly pool: number;
  readonly condition: Condition;
  /** How the changes name their users: the Genesys id (default), or the work email (resolved by the sync). */
  readonly namedBy?: "id" | "email";
  /** Whether the simulator sends the rate limit's headers on every answer (default: none). */
  readonly headers?: boolean;
  /**
   * The project's passes each a process of its own through the CLI's `run`, as Lambda recycles
   * containers (`bench/process-row.ts`); absent: warm in-process jobs (`bench/project-row.ts`).
   */
  readonly recycled?: { readonly budgetSeconds: number };
  /** The project is told its limits (default), or told none and reads the org's limits API. */
  readonly limitsFrom?: "told" | "org";
  /**
   * The share of users whose `employerInfo` the simulator leaves out of each read (expansions are best
   * effort); the users then hold employer info and every change sets an employer field besides its
   * title, which must never wipe the fields it does not name. Default 0, and titles only.
   */
  readonly expandDropRate?: number;
}

/** The settings of a run, every row's. */
export interface BenchSettings {
  readonly changes: number;
  /** L: the binding limit of the rows, calls per window (see bench/rows.ts). */
  readonly limit: number;
  readonly windowMs: number;
  readonly budgetSeconds: number;
  readonly warmupChanges: number;
  /** Why this limit. */
  readonly limitChoice: string;
}

/** Calls per window. */
export interface Limits {
  readonly perToken: number;
  readonly perClient: number;
}

export interface RowLimits {
  /** What the simulator enforces. */
  readonly real: Limits;
  /**
   * What the project is told (`GENESYS_RATE_LIMIT_PER_MINUTE`, `GENESYS_CLIENT_RATE_LIMIT_PER_MINUTE`);
   * project rows only. No client total: unset, and the org's limits API unavailable.
   */
  readonly configured?: { readonly perToken: number; readonly perClient: number | undefined };
  /** Tokens the row uses at most: the project's pool; a peer's workers x tokens each. */
  readonly tokens: number;
  /** The limit that binds: min(tokens x real per token, real per client). */
  readonly binding: number;
}

/** The hidden client total, in tokens' worth of the per-token limit. */
export const HIDDEN_CLIENT_TOKENS = 2.5;

export function rowLimits(spec: RowSpec, limit: number): RowLimits {
  const tokens = spec.approach === "project" ? spec.pool : spec.pool * spec.invocations;
  const perToken = {
    known: Math.floor(limit / spec.pool),
    hidden: Math.floor(limit / HIDDEN_CLIENT_TOKENS),
    half: Math.floor(limit / 2),
    "hidden-half": limit,
    "client-unknown": limit,
  }[spec.condition];
  const real = { perToken, perClient: limit };
  const told = spec.condition === "half" ? limit : perToken;
  const configured = {
    known: real,
    hidden: { perToken, perClient: spec.pool * perToken },
    half: { perToken: told, perClient: spec.pool * told },
    "hidden-half": { perToken: 2 * limit, perClient: undefined },
    "client-unknown": { perToken: limit, perClient: undefined },
  }[spec.condition];
  return {
    real,
    ...(spec.approach === "project" ? { configured } : {}),
    tokens,
    binding: Math.min(tokens * real.perToken, real.perClient),
  };
}

const CONCURRENCY = [1, 4, 16] as const;

const project = (pool: number, n: number, condition: Condition, headers = false): RowSpec => ({
  id: `project-t${pool}-${n}${condition === "known" ? "" : `-${condition}`}${headers ? "-headers" : ""}`,
  approach: "project",
  invocations: n,
  pool,
  condition,
  ...(headers ? { headers } : {}),
});

/**
 * Recycled containers: 4 processes side by side, staggered, 25-s passes (wall-clock: see
 * bench/process-row.ts), pool 4, the limits told or read from the org's limits API.
 */
const recycled = (limitsFrom: "told" | "org"): RowSpec => ({
  ...project(4, 4, "known"),
  id: `project-t4-4-recycled${limitsFrom === "org" ? "-org" : ""}`,
  recycled: { budgetSeconds: 25 },
  limitsFrom,
});

const peer = (approach: ScriptKind, n: number, condition: Condition): RowSpec => ({
  id: `${approach}-${n}${condition === "known" ? "" : `-${condition}`}`,
  approach,
  invocations: n,
  pool: approach === "terraform" ? TERRAFORM_POOL_SIZE : 1,
  condition,
});

/** In the order they run and are reported. */
export const ALL_ROWS: readonly RowSpec[] = [
  ...[1, 4, 10].flatMap((pool) => CONCURRENCY.map((n) => project(pool, n, "known"))),
  { ...project(10, 4, "known"), id: "project-4-email", namedBy: "email" },
  { ...project(10, 4, "known"), id: "project-4-expand-half", expandDropRate: 0.5 },
  recycled("told"),
  recycled("org"),
  ...CONCURRENCY.map((n) => peer("sdk", n, "known")),
  ...CONCURRENCY.map((n) => peer("terraform", n, "known")),
  peer("usual", 4, "known"),
  ...CONCURRENCY.map((n) => project(10, n, "hidden")),
  peer("sdk", 4, "hidden"),
  peer("terraform", 4, "hidden"),
  ...CONCURRENCY.map((n) => project(1, n, "half")),
  peer("sdk", 1, "half"),
  peer("terraform", 4, "half"),
  // The default pool with only the per-token limit told (issue 15): a hidden limit, with and
  // without the headers that announce it, and a client total nothing announces.
  ...CONCURRENCY.map((n) => project(10, n, "hidden-half")),
  project(10, 4, "hidden-half", true),
  project(10, 4, "client-unknown"),
];

const QUICK_ROWS = [
  "project-t1-4",
  "project-t10-4",
  "sdk-4",
  "terraform-4",
  "project-t10-4-hidden",
  "project-t1-4-half",
];

/** What `--rows` can name besides ids: the approach, the condition, `t<pool>` (project), `peers`, `email`, `recycled`, `org`, `expand`, `all`. */
function tags(spec: RowSpec): string[] {
  return [
    "all",
    spec.id,
    spec.approach,
    spec.condition,
    spec.approach === "project" ? `t${spec.pool}` : "peers",
    ...(spec.namedBy === "email" ? ["email"] : []),
    ...(spec.headers === true ? ["headers"] : []),
    ...(spec.recycled ? ["recycled"] : []),
    ...(spec.expandDropRate ? ["expand"] : []),
    ...(spec.limitsFrom === "org" ? ["org"] : []),
  ];
}

/** Rows run apart from the table, each by its own file. */
const SEPARATE_ROWS: readonly string[] = ["family", "joiners", "reconcile", "routing"];

/**
 * `--rows a,b+c`: the rows named by any comma-separated term; a term's `+`-joined tags must all
 * match (`project+hidden`, `terraform+known`).
 */
export function selectRows(filter: string | undefined, quick: boolean): RowSpec[] {
  if (filter === undefined) {
    return quick ? ALL_ROWS.filter((r) => QUICK_ROWS.includes(r.id)) : [...ALL_ROWS];
  }
  const terms = filter
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((term) => term.split("+").map((t) => t.trim()))
    // `family`, `joiners`, `reconcile` and `routing` name rows run apart from these
    // (bench/family-row.ts, bench/joiners-row.ts, bench/reconcile-row.ts, bench/routing-row.ts).
    .filter((term) => !(term.length === 1 && SEPARATE_ROWS.includes(term[0] as string)));
  if (terms.length === 0) return [];
  const rows = ALL_ROWS.filter((r) => {
    const own = tags(r);
    return terms.some((term) => term.every((t) => own.includes(t)));
  });
  if (rows.length === 0) {
    throw new Error(
      `no rows match ${filter}; rows: ${ALL_ROWS.map((r) => r.id).join(", ")}; kinds: project, sdk, terraform, usual, peers, known, hidden, half, hidden-half, client-unknown, headers, t1, t4, t10, email, recycled, org, expand, all; and family (the per-family row), joiners (the joiners row), reconcile (the reconcile row), routing (the routing row)`,
    );
  }
  return rows;
}
