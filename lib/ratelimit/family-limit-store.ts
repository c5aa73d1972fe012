/**
 * The limits families were found to have (`family-attribution.ts`), shared by every invocation in the
 * state table: one item per OAuth client, one attribute per family and container.
 *
 * | attribute              | type | meaning                                                            |
 * | ---------------------- | ---- | ------------------------------------------------------------------ |
 * | `pk`                   | S    | `familylimits#<clientId>`                                          |
 * | `f_<family>_<container>` | M  | `{ admitted: N, at: N }`: that container's calls of the family     |
 * |                        |      | admitted over the window before its 429, and when                  |
 *
 * When a family's window is full (its 429), the calls every container made of it over the window are
 * its limit: each container that proves it, or loads it without having met the 429 (`FamilyBudget`),
 * adds what it saw, and the limit is their sum (the
 * contributions of the latest episode: within a window of its newest). A limit holds `holdMs` after
 * it was learnt; then the family is paced by the shared budget again, and learns anew if it still
 * meets its own limit (a limit Genesys raised is found so).
 */
import { type DynamoDBClient, GetItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { z } from "zod";
import { ENDPOINT_FAMILIES, type EndpointFamily } from "../genesys/endpoint-family.ts";

export interface LearnedFamilyLimit {
  /** Calls per window. */
  readonly perWindow: number;
  /** Epoch ms it was learnt (the newest contribution). */
  readonly learnedAt: number;
}

/** One container's evidence of a family's limit. */
export interface FamilyContribution {
  /** The family's calls this container saw admitted over the window before the 429. */
  readonly admitted: number;
  /** Epoch ms. */
  readonly at: number;
}

/** The port `FamilyBudget` uses. */
export interface FamilyLimitStorePort {
  /** The limits still held at `now` (learnt less than `holdMs` ago), summed over the containers. */
  load(clientId: string, now: number, signal?: AbortSignal): Promise<Map<EndpointFamily, LearnedFamilyLimit>>;
  /** Records this container's evidence of the family's limit. */
  contribute(
    clientId: string,
    family: EndpointFamily,
    container: string,
    evidence: FamilyContribution,
    signal?: AbortSignal,
  ): Promise<void>;
}

/** Sums the contributions of each family's latest episode, dropping those older than `holdMs` (pure). */
export function sumContributions(
  entries: Iterable<readonly [EndpointFamily, FamilyContribution]>,
  now: number,
  windowMs: number,
  holdMs: number,
): Map<EndpointFamily, LearnedFamilyLimit> {
  const byFamily = new Map<EndpointFamily, FamilyContribution[]>();
  for (const [family, c] of entries) {
    if (now - c.at >= holdMs) continue;
    byFamily.set(family, [...(byFamily.get(family) ?? []), c]);
  }
  const limits = new Map<EndpointFamily, LearnedFamilyLimit>();
  for (const [family, list] of byFamily) {
    const newest = Math.max(...list.map((c) => c.at));
    const episode = list.filter((c) => newest - c.at < windowMs);
    limits.set(family, {
      perWindow: Math.max(
        1,
        episode.reduce((sum, c) => sum + c.admitted, 0),
      ),
      learnedAt: newest,
    });
  }
  return limits;
}

const Contribution = z.object({ admitted: z.number().nonnegative(), at: z.number() });
const PREFIX = "f_";

export interface DynamoFamilyLimitStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** The limits' window, ms: contributions within one of the newest make one episode. */
  readonly windowMs: number;
  /** How long a learnt limit holds, ms. */
  readonly holdMs: number;
}

export class DynamoFamilyLimitStore implements FamilyLimitStorePort {
  readonly #o: DynamoFamilyLimitStoreOptions;
  constructor(options: DynamoFamilyLimitStoreOptions) {
    this.#o = options;
  }

  async load(
    clientId: string,
    now: number,
    signal?: AbortSignal,
  ): Promise<Map<EndpointFamily, LearnedFamilyLimit>> {
    const out = await this.#o.client.send(
      new GetItemCommand({ TableName: this.#o.tableName, Key: marshall({ pk: pkOf(clientId) }) }),
      { abortSignal: signal },
    );
    const item = out.Item === undefined ? {} : unmarshall(out.Item);
    const entries: [EndpointFamily, FamilyContribution][] = [];
    const stale: string[] = [];
    for (const [name, value] of Object.entries(item)) {
      const family = ENDPOINT_FAMILIES.find((f) => name.startsWith(`${PREFIX}${f}#`));
      const parsed = Contribution.safeParse(value);
      if (family === undefined || !parsed.success) continue;
      if (now - parsed.data.at >= this.#o.holdMs) stale.push(name);
      else entries.push([family, parsed.data]);
    }
    // Containers come and go: what no longer counts is removed, so the item does not grow.
    if (stale.length > 0) await this.#remove(clientId, stale.slice(0, 50), signal).catch(() => undefined);
    return sumContributions(entries, now, this.#o.windowMs, this.#o.holdMs);
  }

  async #remove(clientId: string, names: readonly string[], signal?: AbortSignal): Promise<void> {
    await this.#o.client.send(
      new UpdateItemCommand({
        TableName: this.#o.tableName,
        Key: marshall({ pk: pkOf(clientId) }),
        UpdateExpression: `REMOVE ${names.map((_, i) => `#a${i}`).join(", ")}`,
        ExpressionAttributeNames: Object.fromEntries(names.map((name, i) => [`#a${i}`, name])),
      }),
      { abortSignal: signal },
    );
  }

  async contribute(
    clientId: string,
    family: EndpointFamily,
    container: string,
    evidence: FamilyContribution,
    signal?: AbortSignal,
  ): Promise<void> {
    await this.#o.client.send(
      new UpdateItemCommand({
        TableName: this.#o.tableName,
        Key: marshall({ pk: pkOf(clientId) }),
        UpdateExpression: "SET #c = :c",
        ExpressionAttributeNames: { "#c": `${PREFIX}${family}#${container}` },
        ExpressionAttributeValues: marshall({ ":c": evidence }),
      }),
      { abortSignal: signal },
    );
  }
}

const pkOf = (clientId: string): string => `familylimits#${clientId}`;
