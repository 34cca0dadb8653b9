/** One execution recorded by the e2e recording worker. */
export interface Execution {
  jobId: number;
  scheduledAt: number;
  taskId: string;
  startedAt: number;
}

/** Parses the recording worker's `jobId:scheduledAt:taskId:startedAt` lines. */
export function parseExecutions(lines: string[]): Execution[] {
  return lines.map((l) => {
    const [jobId, scheduledAt, taskId, startedAt] = l.split(':');
    return { jobId: Number(jobId), scheduledAt: Number(scheduledAt), taskId: taskId ?? '', startedAt: Number(startedAt) };
  });
}

/** Per job: its scheduled times in order, and the duplicates and gaps against `periodMs`. */
export function analyse(execs: Execution[], periodMs: number) {
  const byJob = new Map<number, number[]>();
  for (const e of execs) {
    const list = byJob.get(e.jobId) ?? [];
    list.push(e.scheduledAt);
    byJob.set(e.jobId, list);
  }
  let duplicates = 0;
  let gaps = 0;
  for (const list of byJob.values()) {
    list.sort((a, b) => a - b);
    for (let i = 1; i < list.length; i++) {
      const d = (list[i] as number) - (list[i - 1] as number);
      if (d === 0) duplicates++;
      else if (d !== periodMs) gaps += Math.max(1, Math.round(d / periodMs) - 1);
    }
  }
  return { byJob, duplicates, gaps };
}
