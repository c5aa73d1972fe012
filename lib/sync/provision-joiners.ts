/**
 * Creates or restores the batch's joiners (`joiners.ts`), exactly once per email, and binds each email
 * to its user in the name cache at once (the search trails writes, and the next attempt or change
 * must find the user by email, not create it again).
 *
 * Per email, from one search of every state (deleted included) for the whole batch:
 * - a deleted user holds the email: restored (same id; a PATCH whose only field is `state`, as the
 *   SDK's `UpdateUser` documents and Genesys's Terraform provider does);
 * - nobody: `POST /api/v2/users`. A conflict (`UserConflictError`: 409, or 400 `general.conflict`)
 *   means the user exists after all: searched again, it is updated (or restored, if deleted); when the
 *   search does not show it yet ("exists, not yet visible"), the change is re-queued with a short
 *   delay: never created again, never dead-lettered;
 * - an active or inactive user (the search saw it, the directory index did not yet): that user.
 * Genesys refuses a second user with an email, so a create answered but not recorded (a container
 * killed between the two) is found on the next attempt, by the name cache or through the conflict.
 *
 * The changes are then applied to the user as to any other (`BatchWork`): the fields the create did
 * not take, under the same per-field high-water marks.
 */
import { type UserKey, userKeyString } from "../contract/user-change.ts";
import { PermissionError, UserConflictError } from "../genesys/errors.ts";
import { USER_ADD_PERMISSION } from "../genesys/response-outcome.ts";
import type { CreateUserBody, GenesysUser } from "../genesys/types.ts";
import type { Resolution } from "./batch-plan.ts";
import type { Failure } from "./failure.ts";
import type { FieldOutcome } from "./field-outcome.ts";
import type { Joiner } from "./joiners.ts";
import type { Log } from "./log.ts";
import { runPool } from "./run-pool.ts";

/**
 * How long a joiner whose create conflicted waits for the search to show the user, ms: the search
 * usually shows a write within seconds (Genesys's Terraform provider allows it 3 minutes). Each wait
 * counts as an attempt, so that a user the client can never see (its search limited to some
 * divisions) ends in a dead letter after `SYNC_MAX_ATTEMPTS` (8: about 3 minutes), not a loop.
 */
const NOT_YET_VISIBLE_WAIT_MS = 20_000;

export interface JoinerPorts {
  /** Users in any state, deleted included, with these emails (`GenesysDirectory`). */
  findInAnyState(emails: readonly string[], signal: AbortSignal): Promise<readonly GenesysUser[]>;
  createUser(body: CreateUserBody, signal: AbortSignal): Promise<GenesysUser>;
  restoreUser(
    userId: string,
    version: number,
    signal: AbortSignal,
    state: "active" | "inactive",
  ): Promise<GenesysUser>;
  /** Binds the email to the user in the name cache. */
  remember(name: UserKey, userId: string, signal: AbortSignal): Promise<void>;
}

export interface ProvisionContext {
  readonly signal: AbortSignal;
  readonly log: Log;
  readonly concurrency: number;
  readonly classify: (error: unknown) => Failure;
  /** The outcome a failure gives the joiner's changes (the pass's mode takes its part). */
  readonly fail: (failure: Failure) => FieldOutcome;
  /** Whether no call may start now (the pass's mode): the joiner's outcome. */
  readonly untried: () => FieldOutcome | undefined;
}

/** The joiners' resolutions by `userKeyString`: the user created, restored or found, or the outcome. */
export async function provisionJoiners(
  joiners: readonly Joiner[],
  ports: JoinerPorts,
  context: ProvisionContext,
): Promise<Map<string, Resolution>> {
  const out = new Map<string, Resolution>();
  if (joiners.length === 0) return out;
  let holders: Map<string, GenesysUser[]>;
  try {
    holders = byEmail(
      await ports.findInAnyState(
        joiners.map((j) => j.email),
        context.signal,
      ),
    );
  } catch (error) {
    const outcome = context.fail(context.classify(error));
    for (const j of joiners) out.set(userKeyString(j.key), { kind: "failed", outcome });
    return out;
  }
  await runPool(
    joiners.map((joiner) => async () => {
      out.set(
        userKeyString(joiner.key),
        await provisionOne(joiner, holders.get(joiner.email), ports, context),
      );
    }),
    context.concurrency,
  );
  return out;
}

async function provisionOne(
  joiner: Joiner,
  holders: readonly GenesysUser[] | undefined,
  ports: JoinerPorts,
  context: ProvisionContext,
): Promise<Resolution> {
  const { signal, log } = context;
  const untried = context.untried();
  if (untried) return { kind: "failed", outcome: untried };
  try {
    let settled = await settleOnHolder(joiner, holders, ports, context);
    let created = false;
    if (settled === undefined) {
      try {
        settled = { user: await ports.createUser(joiner.create, signal), restored: false };
        created = true;
        log.info("joiner created", { email: joiner.email, userId: settled.user.id });
      } catch (error) {
        if (!(error instanceof UserConflictError)) throw error;
        const found = byEmail(await ports.findInAnyState([joiner.email], signal)).get(joiner.email);
        settled = await settleOnHolder(joiner, found, ports, context);
        if (settled === undefined) return { kind: "failed", outcome: notYetVisible(joiner.email) };
      }
    }
    const { user, restored } = settled;
    await ports.remember(joiner.key, user.id, signal);
    return { kind: "found", id: user.id, cached: false, created, stateSet: created || restored };
  } catch (error) {
    if (error instanceof PermissionError) return { kind: "failed", outcome: cannotCreate(joiner, error) };
    return { kind: "failed", outcome: context.fail(context.classify(error)) };
  }
}

/** The user that holds the email already: itself when active or inactive, restored when deleted. */
async function settleOnHolder(
  joiner: Joiner,
  holders: readonly GenesysUser[] | undefined,
  ports: JoinerPorts,
  context: ProvisionContext,
): Promise<{ user: GenesysUser; restored: boolean } | undefined> {
  if (!holders || holders.length === 0) return undefined;
  const living = holders.find((u) => u.state !== "deleted");
  if (living) return { user: living, restored: false };
  // Several deleted users with the email: the one changed last (the person's latest account).
  const modified = (u: GenesysUser): string => (typeof u.dateModified === "string" ? u.dateModified : "");
  const deleted = [...holders].sort((a, b) => modified(b).localeCompare(modified(a)))[0];
  if (!deleted) return undefined;
  const restored = await ports.restoreUser(
    deleted.id,
    deleted.version,
    context.signal,
    joiner.create.state ?? "active",
  );
  context.log.info("joiner restored: a deleted user held the email", {
    email: joiner.email,
    userId: restored.id,
  });
  return { user: restored, restored: true };
}

function byEmail(users: readonly GenesysUser[]): Map<string, GenesysUser[]> {
  const map = new Map<string, GenesysUser[]>();
  for (const user of users) {
    const email = user.email?.toLowerCase();
    if (email === undefined) continue;
    map.set(email, [...(map.get(email) ?? []), user]);
  }
  return map;
}

/** A conflict whose search finds nobody: the user exists, the search does not show it yet. */
function notYetVisible(email: string): FieldOutcome {
  return {
    kind: "retry",
    waitMs: NOT_YET_VISIBLE_WAIT_MS,
    countsAttempt: true,
    why: {
      code: "genesys.user.not.visible",
      reason: `Genesys Cloud says a user with the email ${email} exists (the create answered a conflict), but the search does not show it (it trails writes by up to minutes): re-queued to find it, never created again. If this stays, the OAuth client may not see the division that user is in: give its role directory:user:view there, then replay`,
    },
  };
}

/** A 403 on the create or the restore: the joiner's change is dead-lettered, the run goes on. */
function cannotCreate(joiner: Joiner, error: PermissionError): FieldOutcome {
  // The search after a conflict needs only to see users; the create and the restore, more.
  const needed = error.operation?.startsWith("POST /api/v2/users/search")
    ? "directory:user:view (to find the user whose email the create found taken)"
    : `${USER_ADD_PERMISSION} (and directory:user:edit to restore a deleted user)`;
  return {
    kind: "dead",
    why: {
      code: error.reasonCode,
      reason: `the OAuth client may not create or restore the user ${joiner.email}: give its role ${needed}, then replay`,
      lastStatus: error.status,
    },
  };
}

/**
 * The deleted users holding the leavers' emails (`leaversOf`), as resolutions (one search for all):
 * the change then settles as a no-op on that user. An email nobody holds stays `not-found`; a failed
 * search leaves them all so (the dead letter names the email; a replay searches again).
 */
export async function findDeletedLeavers(
  leavers: readonly UserKey[],
  ports: Pick<JoinerPorts, "findInAnyState">,
  context: Pick<ProvisionContext, "signal" | "log">,
): Promise<Map<string, Resolution>> {
  const out = new Map<string, Resolution>();
  if (leavers.length === 0) return out;
  try {
    const holders = byEmail(
      await ports.findInAnyState(
        leavers.map((k) => k.value),
        context.signal,
      ),
    );
    for (const key of leavers) {
      const deleted = holders.get(key.value)?.filter((u) => u.state === "deleted") ?? [];
      if (deleted.length === 1 && deleted[0])
        out.set(userKeyString(key), { kind: "found", id: deleted[0].id, cached: false });
    }
  } catch (error) {
    context.log.warn("could not search deleted users for leavers; they are dead-lettered as not found", {
      error: String(error),
    });
  }
  return out;
}
