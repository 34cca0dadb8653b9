import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { errorText } from './api.js';

/** How a {@link LoadController} starts. */
export interface LoadOptions {
  /**
   * Load when the host connects (default true). False for a host that must learn something
   * first (the logs page picks a non-admin's app before it asks for logs): it calls
   * {@link LoadController.reload} itself.
   */
  auto?: boolean;
}

/**
 * Loads one thing for an element: on connect, and again on {@link reload}. Keeps the last value
 * (so a failed refresh still shows the previous list), a loading flag and one error line.
 * Answers that arrive after the element left the page, or after a newer reload, are dropped.
 */
export class LoadController<T> implements ReactiveController {
  value: T | undefined = undefined;
  loading = false;
  error = '';
  private generation = 0;
  private readonly auto: boolean;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly load: () => Promise<T>,
    options: LoadOptions = {},
  ) {
    this.auto = options.auto ?? true;
    host.addController(this);
  }

  hostConnected(): void {
    if (this.auto) void this.reload();
  }

  hostDisconnected(): void {
    this.generation++;
  }

  /** Loads again; never throws (the failure lands in {@link error}). */
  async reload(): Promise<void> {
    const generation = ++this.generation;
    this.loading = true;
    this.error = '';
    this.host.requestUpdate();
    try {
      const value = await this.load();
      if (generation === this.generation) this.value = value;
    } catch (err) {
      if (generation === this.generation) this.error = errorText(err);
    } finally {
      if (generation === this.generation) {
        this.loading = false;
        this.host.requestUpdate();
      }
    }
  }
}
