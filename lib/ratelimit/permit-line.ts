/**
 * The line at the shared budget inside one container.
 *
 * A call of a family with a limit of its own takes its family's permit first, then the shared one. Its
 * family cell is spent when granted: every moment it then queues at the shared budget, behind callers
 * that hold no such permit, makes it late. Late calls bunch at Genesys (the family's window fills
 * faster than its gate paced: a 429), and a call that waits long wastes the family's cell. Measured in
 * the per-family bench row before this line: family calls waited 62 ms (median) to 4 s (1 in 100) for
 * the shared permit, and the family made 0.91 of its limit with a 429 every few windows.
 *
 * So a caller that holds a narrower permit goes first: a shared permit obtained by any other caller of
 * this container while such a caller waits is handed to it, and the one who got it asks again. A permit
 * its caller cannot use (its family came under a limit while it waited) is given back to the line's
 * next waiter. A waiter served by a hand-off leaves its own request running (aborting it could lose a
 * cell leased in a write already made); that request's permit, when it comes, is handed on in turn.
 */
import type { AcquireOutcome } from "./acquire-permit.ts";

interface Waiter {
  /** Holds a narrower budget's permit: served before the others. */
  readonly first: boolean;
  /** Serves the waiter with a permit handed on; false when it was served already. */
  readonly serve: (slot: number) => boolean;
}

export class PermitLine {
  readonly #waiters: Waiter[] = [];

  /**
   * A shared permit through `acquire`, or one handed on by another caller of this container, whichever
   * comes first. `first`: the caller holds its family's permit (see the file's comment). A denial or a
   * failure of `acquire` is the caller's own, as `acquire` gave it.
   */
  async take(acquire: () => Promise<AcquireOutcome>, first: boolean): Promise<AcquireOutcome> {
    for (;;) {
      const outcome = await this.#race(acquire, first);
      if (!outcome.ok || first || !this.#handOn(outcome.slot, true)) return outcome;
    }
  }

  /** A permit its caller cannot use: to the line's next waiter; false when nobody waits (it lapses). */
  giveBack(slot: number): boolean {
    return this.#handOn(slot, false);
  }

  /** Serves the first waiter that holds a narrower permit, else (unless `onlyFirst`) the first waiter. */
  #handOn(slot: number, onlyFirst: boolean): boolean {
    const order = [...this.#waiters.filter((w) => w.first), ...(onlyFirst ? [] : this.#waiters)];
    return order.some((w) => w.serve(slot));
  }

  #race(acquire: () => Promise<AcquireOutcome>, first: boolean): Promise<AcquireOutcome> {
    return new Promise<AcquireOutcome>((resolve, reject) => {
      let served = false;
      const settle = (): boolean => {
        if (served) return false;
        served = true;
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        return true;
      };
      const waiter: Waiter = {
        first,
        serve: (slot) => {
          if (!settle()) return false;
          resolve({ ok: true, slot });
          return true;
        },
      };
      this.#waiters.push(waiter);
      acquire().then(
        (outcome) => {
          if (settle()) resolve(outcome);
          else if (outcome.ok) this.giveBack(outcome.slot);
        },
        (error: unknown) => {
          if (settle()) reject(error);
        },
      );
    });
  }
}
