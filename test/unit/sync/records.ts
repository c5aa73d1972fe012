/** Record factories and in-memory fakes of the pass's ports (no I/O). */
import type { ChangeField } from "../../../lib/contract/user-change.ts";
import type { GenesysUser, UpdateUserBody } from "../../../lib/genesys/types.ts";
import type { ChangeMark } from "../../../lib/sync/change-order.ts";
import { compareMarks } from "../../../lib/sync/change-order.ts";
import type {
  ChangeQueuePort,
  DeadLetter,
  HeldMessage,
  RequeueCopy,
} from "../../../lib/sync/held-message.ts";
import type { ClaimResult, HighWaterMarkPort } from "../../../lib/sync/high-water-marks.ts";
import type { Log } from "../../../lib/sync/log.ts";
import type { UsersPort } from "../../../lib/sync/pass-deps.ts";

export const uid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

let sequence = 0;

/** A held message carrying a change to user `n` (or `body` as given). */
export function heldMessage(
  n: number,
  set: Record<string, unknown>,
  extra: Partial<HeldMessage> & { changedAt?: string; changeId?: string } = {},
): HeldMessage {
  const { changedAt, changeId, ...rest } = extra;
  sequence += 1;
  return {
    messageId: `m-${sequence}`,
    receiptHandle: `r-${sequence}`,
    body: JSON.stringify({
      changeId: changeId ?? `c-${sequence}`,
      userId: uid(n),
      changedAt: changedAt ?? "2026-11-30T10:00:00Z",
      set,
    }),
    attempts: 0,
    firstSeenAt: "2026-11-30T10:00:01Z",
    receiveCount: 1,
    sentAt: Date.parse("2026-11-30T10:00:01Z"),
    ...rest,
  };
}

export const quietLog: Log = { debug() {}, info() {}, warn() {}, error() {} };

/** A queue in memory: `receive` hands out what was put in, settling records what happened. */
export class FakeQueue implements ChangeQueuePort {
  readonly waiting: HeldMessage[];
  readonly requeued: RequeueCopy[] = [];
  readonly dead: DeadLetter[] = [];
  readonly deleted: HeldMessage[] = [];
  readonly released: HeldMessage[] = [];
  receives = 0;
  constructor(messages: readonly HeldMessage[]) {
    this.waiting = [...messages];
  }
  async receive(max: number): Promise<HeldMessage[]> {
    this.receives += 1;
    return this.waiting.splice(0, max);
  }
  async requeue(copies: readonly RequeueCopy[]): Promise<void> {
    this.requeued.push(...copies);
  }
  async deadLetter(letters: readonly DeadLetter[]): Promise<void> {
    this.dead.push(...letters);
  }
  async delete(messages: readonly HeldMessage[]): Promise<void> {
    this.deleted.push(...messages);
  }
  async release(messages: readonly HeldMessage[]): Promise<void> {
    this.released.push(...messages);
  }
  /** Every held message has exactly one outcome: re-queued copy or dead letter with a delete, a plain delete, or a release. */
  settledOnce(ids: readonly string[]): boolean {
    const copies = new Set([...this.requeued, ...this.dead].map((c) => c.message.messageId));
    const deleted = this.deleted.map((m) => m.messageId);
    const released = this.released.map((m) => m.messageId);
    const all = [...deleted, ...released];
    return (
      all.length === ids.length &&
      new Set(all).size === ids.length &&
      ids.every((id) => all.includes(id)) &&
      [...copies].every((id) => deleted.includes(id))
    );
  }
}

/** High-water marks in memory, with the same rule as DynamoDB's (equal marks pass). */
export class FakeMarks implements HighWaterMarkPort {
  readonly marks = new Map<string, ChangeMark>();
  failNextCheck: unknown;
  failNextClaim: unknown;
  async check(): Promise<void> {
    const error = this.failNextCheck;
    this.failNextCheck = undefined;
    if (error) throw error;
  }
  async claim(userId: string, wants: ReadonlyMap<ChangeField, ChangeMark>): Promise<ClaimResult> {
    const error = this.failNextClaim;
    this.failNextClaim = undefined;
    if (error) throw error;
    const claimed: ChangeField[] = [];
    const stale: ChangeField[] = [];
    for (const [field, mark] of wants) {
      const key = `${userId}/${field}`;
      const recorded = this.marks.get(key);
      if (recorded && compareMarks(mark, recorded) < 0) stale.push(field);
      else {
        this.marks.set(key, mark);
        claimed.push(field);
      }
    }
    return { claimed, stale };
  }
}

/** Users in memory. `fail` decides, per call, whether to throw instead of answering. */
export class FakeUsers implements UsersPort {
  readonly users = new Map<string, GenesysUser>();
  readonly patches: { userId: string; body: UpdateUserBody }[] = [];
  reads = 0;
  fail: (call: { kind: "read" | "patch"; n: number; userId?: string }) => unknown = () => undefined;
  #calls = 0;
  constructor(count: number) {
    for (let n = 1; n <= count; n++) {
      this.users.set(uid(n), { id: uid(n), version: 1, title: "Agent", state: "active" });
    }
  }
  async getUsers(ids: readonly string[]): Promise<Map<string, GenesysUser>> {
    this.reads += 1;
    const error = this.fail({ kind: "read", n: ++this.#calls });
    if (error) throw error;
    return new Map(
      ids.flatMap((id) => (this.users.has(id) ? [[id, this.users.get(id) as GenesysUser]] : [])),
    );
  }
  async patchUser(userId: string, body: UpdateUserBody): Promise<GenesysUser> {
    const error = this.fail({ kind: "patch", n: ++this.#calls, userId });
    if (error) throw error;
    const user = this.users.get(userId) as GenesysUser;
    if (body.version !== user.version) throw new Error(`fake: stale version for ${userId}`);
    this.patches.push({ userId, body });
    const { version: _v, ...fields } = body;
    const next = { ...user, ...fields, version: user.version + 1 } as GenesysUser;
    this.users.set(userId, next);
    return next;
  }
}
