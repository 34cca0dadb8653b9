import { Op } from 'sequelize';
import type { Models } from './models.js';

/** A scheduled fire of a job recorded in `oasis_job_log`. */
export interface RecordedFireRow {
  jobId: number;
  scheduledAt: number;
}

/**
 * What `oasis_job_log` says about the fires that already happened: the scheduler reconciles the
 * hot schedule with it after Redis restarted or lost data, so a recorded fire never fires again.
 */
export class FireHistoryRepo {
  constructor(private readonly models: Models) {}

  /**
   * The distinct scheduled fires (`triggerTypes`, e.g. CRON, FIXED, MISFIRE) of app `app` recorded
   * at or after `since` (epoch ms), on `ix_log_app_scheduled`: after a data loss only the last
   * moments are read, not the app's whole history. An unknown app has none.
   */
  async scheduledFiresSince(app: string, since: number, triggerTypes: readonly string[]): Promise<RecordedFireRow[]> {
    const row = await this.models.App.findOne({ where: { name: app }, attributes: ['id'] });
    if (!row) return [];
    const rows = await this.models.JobLog.findAll({
      attributes: ['jobId', 'scheduledAt'],
      where: { appId: row.get('id') as number, scheduledAt: { [Op.gte]: since }, triggerType: { [Op.in]: [...triggerTypes] } },
      group: ['jobId', 'scheduledAt'],
      raw: true,
    });
    return (rows as unknown as { jobId: number | string; scheduledAt: number | string }[]).map((r) => ({ jobId: Number(r.jobId), scheduledAt: Number(r.scheduledAt) }));
  }

  /**
   * Which of `taskIds` (tasks Redis still holds in flight after a data loss) already have a final
   * record: they ended, so they must not run again. Looked up by primary key, in chunks.
   */
  async recordedTaskIds(taskIds: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (let i = 0; i < taskIds.length; i += 1000) {
      const rows = await this.models.JobLog.findAll({ attributes: ['id'], where: { id: { [Op.in]: taskIds.slice(i, i + 1000) } }, raw: true });
      for (const r of rows as unknown as { id: string }[]) out.add(String(r.id));
    }
    return out;
  }
}
