import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Logger } from '../domain/logger.js';
import type { LifecycleHooks } from './lifecycle.js';

/** How often the event-loop delay is reported. */
const REPORT_EVERY_MS = 10_000;
/** The histogram's sampling interval (ms). */
const RESOLUTION_MS = 10;

/**
 * Event-loop delay is what makes fires late first: while started, reports it (debug level) every
 * 10 s, as p50 / p99 / max in ms.
 */
export function loopDelayMonitor(logger: Logger): Required<LifecycleHooks> {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  let timer: NodeJS.Timeout | null = null;
  return {
    start() {
      histogram.enable();
      timer = setInterval(() => {
        // The histogram holds whole sampling intervals: subtract one to get the delay itself.
        const ms = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
        logger.debug({ p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) }, 'event loop delay (ms)');
        histogram.reset();
      }, REPORT_EVERY_MS);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
      histogram.disable();
    },
  };
}
