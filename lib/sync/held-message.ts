import type { ChangeField } from "../contract/user-change.ts";
import type { FieldWant } from "./coalesce.ts";
import { FAMILY_HELD_CODE } from "./failure.ts";

/** A message the sync has received and holds (invisible to others) until it settles it. */
export interface HeldMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  /** The body exactly as received; re-queued and dead-lettered copies carry it unchanged. */
  readonly body: string;
  /** Failed attempts recorded on earlier copies (0 for a fresh message). */
  readonly attempts: number;
  /** When the sync first received this change (ISO); carried across re-queues. */
  readonly firstSeenAt: string;
  /** Epoch ms before which it must not be worked on (waits longer than SQS's 900 s cap). */
  readonly notBefore?: number | undefined;
  /** SQS ApproximateReceiveCount of this copy. */
  readonly receiveCount: number;
  /** SQS SentTimestamp of this copy, epoch ms. */
  readonly sentAt: number;
  /** Why the copy was re-queued last (the reason code of that outcome), when it was. */
  readonly lastReasonCode?: string | undefined;
  /**
   * Re-queues of earlier copies because reads did not bring `employerInfo` back, counted on their
   * own (other retries count as attempts too); absent for none (see employer-info-evidence.ts).
   */
  readonly expandDeferrals?: number | undefined;
}

/** Why a message went to the dead-letter queue: a stable code, a sentence, and the facts. */
export interface DeadLetterReason {
  /** e.g. `genesys.user.not.found`, `message.schema.invalid`. */
  readonly code: string;
  /** A sentence an on-call engineer can act on. */
  readonly reason: string;
  /** The last HTTP status from Genesys, if any. */
  readonly lastStatus?: number | undefined;
}

/** The settling operations on held messages. Sends are durable before any delete (the sync's order). */
export interface ChangeQueuePort {
  /** Receives up to 10 messages, hidden from others for `visibilitySeconds`. */
  receive(
    maxMessages: number,
    visibilitySeconds: number,
    waitSeconds: number,
    signal?: AbortSignal,
  ): Promise<HeldMessage[]>;
  /** Sends copies back to the main queue with a delay and updated attempt attributes. */
  requeue(copies: readonly RequeueCopy[], signal?: AbortSignal): Promise<void>;
  /** Sends copies to the DLQ with their reasons. */
  deadLetter(letters: readonly DeadLetter[], signal?: AbortSignal): Promise<void>;
  /** Deletes settled messages from the main queue. */
  delete(messages: readonly HeldMessage[], signal?: AbortSignal): Promise<void>;
  /** Makes held messages visible again now (the run is ending or stopping). */
  release(messages: readonly HeldMessage[], signal?: AbortSignal): Promise<void>;
}

export interface RequeueCopy {
  readonly message: HeldMessage;
  readonly delaySeconds: number;
  readonly attempts: number;
  readonly notBefore?: number | undefined;
  readonly lastStatus?: number | undefined;
  readonly lastReasonCode?: string | undefined;
  readonly expandDeferrals?: number | undefined;
}

export interface DeadLetter {
  readonly message: HeldMessage;
  readonly why: DeadLetterReason;
  readonly attempts: number;
}

/**
 * The fields whose change came back because its endpoint family's budget held its call
 * (`PlanInput.heldBack`): the copy's last reason is `FAMILY_HELD_CODE`.
 */
export function heldBackFields(
  wants: Iterable<FieldWant>,
  messages: ReadonlyMap<string, HeldMessage>,
): Set<ChangeField> {
  return new Set(
    [...wants]
      .filter((want) => messages.get(want.messageKey)?.lastReasonCode === FAMILY_HELD_CODE)
      .map((want) => want.field),
  );
}
