import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { z } from "zod";
import type { ChangeField } from "../contract/user-change.ts";
import { withDefaults } from "../with-defaults.ts";
import { type ChangeMark, mayApply } from "./change-order.ts";

/** How long a user's marks are kept after the last claim. Longer than any message can live (queue 4 d, DLQ 14 d, replays). */
export const MARK_TTL_DAYS = 400;

export interface ClaimResult {
  /** Fields whose change is now the recorded high-water mark (or already was: a retry). */
  readonly claimed: readonly ChangeField[];
  /** Fields for which a newer change is already recorded. */
  readonly stale: readonly ChangeField[];
}

/** The port: per-user, per-field high-water marks. */
export interface HighWaterMarkPort {
  /** Resolves once the state table answers a read; rejects when it does not. */
  check(signal?: AbortSignal): Promise<void>;
  claim(
    userId: string,
    wants: ReadonlyMap<ChangeField, ChangeMark>,
    signal?: AbortSignal,
  ): Promise<ClaimResult>;
}

const markAttr = (field: ChangeField): string => `m_${field}`;

/** A recorded mark as stored (`m_<field> = {at, id}`); anything else reads as no mark. */
const StoredMark = z.object({ at: z.number(), id: z.string() });

export interface DynamoHighWaterMarksOptions {
  readonly client: DynamoDBClient;
  /** The state table (`SYNC_STATE_TABLE`). */
  readonly tableName: string;
  /** Clock, epoch ms (for the TTL). Default `Date.now`. */
  readonly now?: () => number;
}

/** The defaults of `DynamoHighWaterMarksOptions`, documented there. */
const DEFAULTS = { now: (): number => Date.now() };

/**
 * High-water marks in the state table, one item per user (`pk = user#<id>`, a map `m_<field> = {at, id}`
 * per field). A claim is one conditional UpdateItem for all fields; when the condition fails, the old
 * item (returned with the failure) tells which fields are stale, and the rest is claimed again.
 */
export class DynamoHighWaterMarks implements HighWaterMarkPort {
  readonly #ddb: DynamoDBClient;
  readonly #table: string;
  readonly #now: () => number;

  constructor(options: DynamoHighWaterMarksOptions) {
    const o = withDefaults(DEFAULTS, options);
    this.#ddb = o.client;
    this.#table = o.tableName;
    this.#now = o.now;
  }

  async check(signal?: AbortSignal): Promise<void> {
    // A read of a key that never exists: the cheapest call that proves the table answers.
    await this.#ddb.send(
      new GetItemCommand({
        TableName: this.#table,
        Key: { pk: { S: "health#check" } },
        ProjectionExpression: "pk",
      }),
      { abortSignal: signal },
    );
  }

  async claim(
    userId: string,
    wants: ReadonlyMap<ChangeField, ChangeMark>,
    signal?: AbortSignal,
  ): Promise<ClaimResult> {
    const stale: ChangeField[] = [];
    let pending = new Map(wants);
    // Each failed round drops at least one stale field, so this ends; the bound guards against a bug.
    for (let round = 0; pending.size > 0 && round <= wants.size + 1; round++) {
      const old = await this.#tryClaim(userId, pending, signal);
      if (old === "claimed") return { claimed: [...pending.keys()], stale };
      const recorded = old ?? (await this.#read(userId, signal));
      const next = new Map<ChangeField, ChangeMark>();
      for (const [field, mark] of pending) {
        if (mayApply(mark, readMark(recorded, field))) next.set(field, mark);
        else stale.push(field);
      }
      // If every field still looks claimable (the failure came from a write we could not see yet),
      // the next round simply tries again.
      pending = next;
    }
    return { claimed: [...pending.keys()], stale };
  }

  /** `"claimed"`, or the item as it was when the condition failed (undefined if not returned). */
  async #tryClaim(
    userId: string,
    pending: ReadonlyMap<ChangeField, ChangeMark>,
    signal?: AbortSignal,
  ): Promise<"claimed" | Record<string, AttributeValue> | undefined> {
    const names: Record<string, string> = { "#at": "at", "#id": "id", "#exp": "expiresAt" };
    const values: Record<string, number | string | z.infer<typeof StoredMark>> = {
      ":exp": Math.floor(this.#now() / 1000) + MARK_TTL_DAYS * 86_400,
    };
    const sets: string[] = ["#exp = :exp"];
    const conditions: string[] = [];
    [...pending].forEach(([field, mark], i) => {
      names[`#m${i}`] = markAttr(field);
      values[`:m${i}`] = { at: mark.at, id: mark.id };
      values[`:at${i}`] = mark.at;
      values[`:id${i}`] = mark.id;
      sets.push(`#m${i} = :m${i}`);
      // Claimable when no mark is recorded, the recorded one is older, or it is this very change
      // (same time and id: a retry or replay). Same time, smaller id: older by the tie-breaker.
      conditions.push(
        `(attribute_not_exists(#m${i}) OR #m${i}.#at < :at${i} OR (#m${i}.#at = :at${i} AND #m${i}.#id <= :id${i}))`,
      );
    });
    try {
      await this.#ddb.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: marshall({ pk: userPk(userId) }),
          UpdateExpression: `SET ${sets.join(", ")}`,
          ConditionExpression: conditions.join(" AND "),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: marshall(values),
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
        { abortSignal: signal },
      );
      return "claimed";
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return error.Item;
      throw error;
    }
  }

  async #read(userId: string, signal?: AbortSignal): Promise<Record<string, AttributeValue> | undefined> {
    const out = await this.#ddb.send(
      new GetItemCommand({
        TableName: this.#table,
        Key: marshall({ pk: userPk(userId) }),
        ConsistentRead: true,
      }),
      { abortSignal: signal },
    );
    return out.Item;
  }
}

const userPk = (userId: string): string => `user#${userId}`;

function readMark(
  item: Record<string, AttributeValue> | undefined,
  field: ChangeField,
): ChangeMark | undefined {
  if (item === undefined) return undefined;
  const parsed = StoredMark.safeParse(unmarshall(item)[markAttr(field)]);
  return parsed.success ? parsed.data : undefined;
}
