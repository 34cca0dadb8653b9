/**
 * Callers waiting for a condition the owner announces (tasks all done, outbox empty): each wait
 * resolves true when the owner calls {@link Waiters.release}, or false once its timeout passed.
 */
export class Waiters {
  private waiting: Array<() => void> = [];

  /** Resolves true at the next {@link release}, or false after `timeoutMs`. */
  wait(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = this.waiting.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.waiting.push(done);
    });
  }

  /** The condition holds: every wait so far resolves true. */
  release(): void {
    const waiting = this.waiting;
    this.waiting = [];
    waiting.forEach((w) => w());
  }
}
