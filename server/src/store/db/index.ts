/** The SQL store: Sequelize setup, models and one small repository per table group. */
import { AppsRepo } from './apps-repo.js';
import { AuditRepo } from './audit-repo.js';
import { JobsRepo } from './jobs-repo.js';
import { LogsRepo } from './logs-repo.js';
import { ReportsRepo } from './reports-repo.js';
import type { Database } from './open.js';
import { UsersRepo } from './users-repo.js';

export { openDatabase, parseMysqlUrl, ensureMysqlDatabase, type Database, type MysqlTarget } from './open.js';
export { defineModels, APP_NAME_PATTERN, type Models } from './models.js';
export { AppsRepo, type AppWithToken } from './apps-repo.js';
export { JobsRepo, type JobFields } from './jobs-repo.js';
export { LogsRepo, type FinalRecord, type FinalText, type LogQuery, type DuplicateQuery, type DuplicateItem, type DuplicateRecord, type WriteOutcome } from './logs-repo.js';
export { ReportsRepo, type ReportQuery, type ReportCount, type DuplicateCount } from './reports-repo.js';
export { UsersRepo, type UserRow } from './users-repo.js';
export { AuditRepo, type AuditEntry, type AuditQuery } from './audit-repo.js';
export { FireHistoryRepo, type RecordedFireRow } from './fire-history-repo.js';

/** Every repository over one database. */
export interface Repositories {
  apps: AppsRepo;
  jobs: JobsRepo;
  logs: LogsRepo;
  reports: ReportsRepo;
  users: UsersRepo;
  audit: AuditRepo;
}

/** Builds the repositories of `db`. */
export function createRepositories(db: Database): Repositories {
  return {
    apps: new AppsRepo(db.models),
    jobs: new JobsRepo(db.models),
    logs: new LogsRepo(db.models),
    reports: new ReportsRepo(db.models),
    users: new UsersRepo(db.models),
    audit: new AuditRepo(db.models),
  };
}
