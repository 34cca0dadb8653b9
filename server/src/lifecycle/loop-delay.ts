import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { Logger } from '../domain/logger.js';
import type { LifecycleHooks } from './lifecycle.js';

/** How often the event-loop health is reported. */
const REPORT_EVERY_MS = 10_000;
/** The histogram's sampling interval (ms). */
const RESOLUTION_MS = 10;

/** Options of {@link loopDelayMonitor}. */
export interface LoopDelayOptions {
  /** The admin's roles (OASIS_ROLES), repeated on every line; default none. */
  roles?: readonly string[];
  /** Report interval (ms); default 10 000. */
  everyMs?: number;
}

/**
 * Event-loop delay is what makes fires late first: while started, reports the loop's health
 * (debug level) every 10 s (`everyMs`), in one line: delay p50 / p99 / max in ms, and utilisation (`elu`, the
 * share of the interval the loop was busy, 0–1, from `performance.eventLoopUtilization()` as a
 * delta over the interval), with the admin's `roles` so a split deployment's lines say which
 * kind of admin they come from. Cheap: one histogram sampled every 10 ms and two reads per report.
 */
export function loopDelayMonitor(logger: Logger, opts: LoopDelayOptions = {}): Required<LifecycleHooks> {
  const roles = opts.roles ?? [];
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  let timer: NodeJS.Timeout | null = null;
  let lastElu: EventLoopUtilization | null = null;
  return {
    start() {
      histogram.enable();
      lastElu = performance.eventLoopUtilization();
      timer = setInterval(() => {
        // The histogram holds whole sampling intervals: subtract one to get the delay itself.
        const ms = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
        const current = performance.eventLoopUtilization();
        const elu = performance.eventLoopUtilization(current, lastElu ?? undefined);
        lastElu = current;
        logger.debug(
          { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), elu: Math.round(elu.utilization * 1000) / 1000, roles },
          'event loop delay (ms) and utilisation',
        );
        histogram.reset();
      }, opts.everyMs ?? REPORT_EVERY_MS);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
      lastElu = null;
      histogram.disable();
    },
  };
}
