/** The services the API and the realtime gateways call; they reach the store and the hot side. */
import type { OasisConfig } from '../config/schema.js';
import type { AccessEvents, HotPort, WorkerDirectory } from '../domain/ports.js';
import type { Repositories } from '../store/db/index.js';
import { AppService } from './app-service.js';
import { AuditService } from './audit-service.js';
import { AuthService } from './auth-service.js';
import type { AttemptLimiters } from './attempt-limiter.js';
import { JobService, PREVIEW_RATE } from './job-service.js';
import { LogService } from './log-service.js';
import { ReportService } from './report-service.js';
import type { SessionStore } from './session-store.js';
import { UserService } from './user-service.js';

export { AppService, type CreatedApp } from './app-service.js';
export { AuthService, ADMIN_USERNAME, AuthAudit, type RateLimitDetails, type SessionUser, type LoginResult, type AuthServiceDeps } from './auth-service.js';
export { JobService, type JobView, type JobServiceDeps } from './job-service.js';
export { LogService, type LogFilter, type LogText } from './log-service.js';
export { ReportService, REPORT_STATUSES, type DailyReport, type ReportDay, type DailyReportQuery } from './report-service.js';
export { UserService, type UserView } from './user-service.js';
export { AuditService, type AuditView, type AuditInput } from './audit-service.js';
export type { AttemptLimiter, AttemptLimiters } from './attempt-limiter.js';
export type { SessionStore } from './session-store.js';
export { parseOrThrow, describeIssues, type Parsed } from './validation.js';

/** Every service of the admin. */
export interface Services {
  apps: AppService;
  jobs: JobService;
  logs: LogService;
  reports: ReportService;
  /** The worker registry (`registry/`), as the API and the dashboard list workers. */
  workers: WorkerDirectory;
  auth: AuthService;
  users: UserService;
  audit: AuditService;
}

/** Builds every service over the repositories, the hot side, the worker registry and the session store. */
export function createServices(deps: {
  repos: Repositories;
  hot: HotPort;
  workers: WorkerDirectory;
  sessions: SessionStore;
  /** Makes the sign-in budgets (rate limit); omitted: no limit. */
  limiters?: AttemptLimiters;
  config: OasisConfig;
  /** Told when users or sessions change (the live channel ends what they had); omitted: nobody. */
  access?: AccessEvents;
  /** The cluster's clock (epoch ms): the Redis server's; default `Date.now`. */
  now?: () => number;
}): Services {
  const { repos, hot, sessions, config } = deps;
  const now = deps.now && { now: deps.now };
  const access = deps.access && { access: deps.access };
  const audit = new AuditService({ audit: repos.audit, ...now });
  const auth = new AuthService({ users: repos.users, sessions, config, audit, ...(deps.limiters && { limiters: deps.limiters }), ...access });
  return {
    apps: new AppService({ apps: repos.apps, hot }),
    jobs: new JobService({
      jobs: repos.jobs,
      apps: repos.apps,
      users: repos.users,
      hot,
      config,
      ...(deps.limiters && { previewLimit: deps.limiters('preview', PREVIEW_RATE) }),
      ...now,
    }),
    logs: new LogService({ logs: repos.logs, hot, ...now }),
    reports: new ReportService({ reports: repos.reports, apps: repos.apps, ...now }),
    workers: deps.workers,
    auth,
    users: new UserService({ users: repos.users, auth, ...access }),
    audit,
  };
}
