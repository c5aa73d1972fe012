import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { z } from "zod";

/** What the directory index holds evidence of: which listing built it, and how far it got. */
export interface DirectoryIndexState {
  /**
   * When the listing that built the index began, epoch ms. A name the index lacks was carried by no
   * user at that moment, so the index proves absence only for changes made before it.
   */
  readonly listedFromMs: number;
  /** When the index was written, epoch ms. */
  readonly finishedAtMs: number;
  /** Whether every page was read (a listing cut short by its deadline proves nothing). */
  readonly complete: boolean;
  /**
   * Users whose `employerInfo` no read brought back (an expansion is best effort), with how many reads
   * missed it. While any is below `EMPLOYER_INFO_NONE_AFTER_MISSES`, the index cannot prove that an
   * employee id is carried by nobody; past it, the user is taken to have no employer info (the API may
   * render such a user by leaving the field out).
   */
  readonly unknownEmployerInfo: Readonly<Record<string, number>>;
}

/** Reads without a user's `employerInfo` after which the index takes the user to have none. @default 8 */
export const EMPLOYER_INFO_NONE_AFTER_MISSES = 8;
/**
 * Users whose misses the state keeps at most (a DynamoDB item holds 400 KB). Past it, the rest count as
 * unknown for good, and employee ids are never proven absent (their dead letters say why). @default 2 000
 */
export const UNKNOWN_EMPLOYER_INFO_KEPT = 2_000;

/** The users whose employee id the index does not know yet (not taken as having none). */
export function pendingEmployerInfo(state: DirectoryIndexState): string[] {
  return Object.entries(state.unknownEmployerInfo)
    .filter(([, misses]) => misses < EMPLOYER_INFO_NONE_AFTER_MISSES)
    .map(([id]) => id);
}

/** The index's state and the refresh lease, kept in the state table. */
export interface DirectoryIndexStatePort {
  read(signal: AbortSignal): Promise<DirectoryIndexState | undefined>;
  record(state: DirectoryIndexState, signal: AbortSignal): Promise<void>;
  /**
   * Takes the refresh lease for `owner` until `untilMs`, unless another owner's lease has not run out:
   * one refresh at a time across invocations. Whether it was taken.
   */
  lease(owner: string, untilMs: number, signal: AbortSignal): Promise<boolean>;
  /** Gives the lease back (only if `owner` still holds it). */
  release(owner: string, signal: AbortSignal): Promise<void>;
}

const STATE_PK = "directory#index";
const LEASE_PK = "directory#refresh-lease";
/** The state outlives the index entries (2 days) by a day, so an old index is seen as old, not missing. */
const STATE_TTL_SECONDS = 3 * 86_400;

const StateSchema = z.object({
  listedFromMs: z.number(),
  finishedAtMs: z.number(),
  complete: z.boolean(),
  unknownEmployerInfo: z.record(z.string(), z.number().int().nonnegative()),
});

export interface DynamoDirectoryIndexStateOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** @default Date.now */
  readonly now?: () => number;
}

export class DynamoDirectoryIndexState implements DirectoryIndexStatePort {
  readonly #ddb: DynamoDBClient;
  readonly #table: string;
  readonly #now: () => number;

  constructor(options: DynamoDirectoryIndexStateOptions) {
    this.#ddb = options.client;
    this.#table = options.tableName;
    this.#now = options.now ?? Date.now;
  }

  async read(signal: AbortSignal): Promise<DirectoryIndexState | undefined> {
    const out = await this.#ddb.send(
      new GetItemCommand({ TableName: this.#table, Key: marshall({ pk: STATE_PK }), ConsistentRead: true }),
      { abortSignal: signal },
    );
    const parsed = StateSchema.safeParse(out.Item ? unmarshall(out.Item) : undefined);
    return parsed.success ? parsed.data : undefined;
  }

  async record(state: DirectoryIndexState, signal: AbortSignal): Promise<void> {
    const expiresAt = Math.floor(this.#now() / 1000) + STATE_TTL_SECONDS;
    await this.#ddb.send(
      new PutItemCommand({ TableName: this.#table, Item: marshall({ pk: STATE_PK, ...state, expiresAt }) }),
      { abortSignal: signal },
    );
  }

  async lease(owner: string, untilMs: number, signal: AbortSignal): Promise<boolean> {
    try {
      await this.#ddb.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: marshall({ pk: LEASE_PK, owner, untilMs, expiresAt: Math.ceil(untilMs / 1000) + 60 }),
          // Free, run out, or already ours (a retry of our own write).
          ConditionExpression: "attribute_not_exists(pk) OR untilMs < :now OR #owner = :owner",
          ExpressionAttributeNames: { "#owner": "owner" },
          ExpressionAttributeValues: marshall({ ":now": this.#now(), ":owner": owner }),
        }),
        { abortSignal: signal },
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async release(owner: string, signal: AbortSignal): Promise<void> {
    try {
      await this.#ddb.send(
        new DeleteItemCommand({
          TableName: this.#table,
          Key: marshall({ pk: LEASE_PK }),
          ConditionExpression: "#owner = :owner",
          ExpressionAttributeNames: { "#owner": "owner" },
          ExpressionAttributeValues: marshall({ ":owner": owner }),
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      // Another owner took it after ours ran out: theirs to release.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
