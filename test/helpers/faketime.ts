/**
 * libfaketime (Debian package `faketime`) for clock-skew tests: the environment that makes a
 * child process see a wall clock off by a fixed amount, or one read from a file that a test
 * rewrites to step it mid-run. The monotonic clock is left alone, as on a real machine whose
 * wall clock is wrong or is stepped by NTP.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';

/** The multi-threaded variant: Node runs several threads. */
export const FAKETIME_LIB = '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1';

function base(): Record<string, string> {
  if (!existsSync(FAKETIME_LIB)) throw new Error(`${FAKETIME_LIB} is missing: apt-get install -y faketime`);
  return { LD_PRELOAD: FAKETIME_LIB, FAKETIME_DONT_FAKE_MONOTONIC: '1' };
}

/** Environment of a process whose wall clock is `offset` off, e.g. `+3s`, `-3s`. */
export function skewedClock(offset: string): Record<string, string> {
  return { ...base(), FAKETIME: offset };
}

/** A wall clock read from a file: {@link SteppingClock.step} changes it, seen within a second. */
export interface SteppingClock {
  env: Record<string, string>;
  /** Sets the offset (`+5s`, `+0`); the process sees it within FAKETIME_CACHE_DURATION (1 s). */
  step(offset: string): Promise<void>;
}

export async function steppingClock(file: string, offset = '+0'): Promise<SteppingClock> {
  await writeFile(file, `${offset}\n`);
  return {
    env: { ...base(), FAKETIME_TIMESTAMP_FILE: file, FAKETIME_CACHE_DURATION: '1' },
    step: (o) => writeFile(file, `${o}\n`),
  };
}
