import { createHash } from 'node:crypto';
import { Router } from 'express';
import {
  createJobSchema,
  emptyBody,
  jobIdParams,
  jobJsonSchema,
  jobListQuery,
  pauseJobSchema,
  skipNextSchema,
  triggerJobSchema,
  updateJobSchema,
  type JobJson,
  type ScriptVersionsAnswer,
  type TriggerAnswer,
} from '@oasis/worker-client/contracts';
import type { JobService, JobView } from '../../services/job-service.js';
import { readableApps } from '../../domain/roles.js';
import { appFilter, principal, type Guard } from '../authorize.js';
import { asDeclared } from '../json.js';
import { validate } from '../validate.js';

/** The job JSON of the API: the contract's {@link JobJson}, fields in its order. */
export function jobJson(j: JobView): JobJson {
  // The hash names the exact code in the audit trail and in comparisons, without reading it all.
  const script = j.script && { ...j.script, sha256: createHash('sha256').update(j.script.source, 'utf8').digest('hex') };
  return asDeclared(jobJsonSchema, { ...j, misfire: { policy: j.misfire.policy, thresholdMs: j.misfire.thresholdMs }, script });
}

/** Job CRUD, start / stop, pause / resume, skip-next, manual trigger, script versions. */
export function jobRoutes(jobs: JobService, guard: Guard): Router {
  const r = Router();
  r.post('/jobs', guard.app('operate', 'body'), async (req, res) => {
    res.status(201).json(jobJson(await jobs.create(validate.body(req, createJobSchema), principal(res))));
  });
  r.get('/jobs', guard.app('read', 'query'), async (req, res) => {
    const q = validate.query(req, jobListQuery);
    const app = appFilter(res, q.app);
    const readable = readableApps(principal(res));
    const page = { limit: q.limit, offset: q.offset };
    // A user who may read several apps pages over those apps only (filtered in the query, not after it).
    const filter = app !== null ? { app, ...page } : readable === null ? page : { apps: [...readable], ...page };
    res.json((await jobs.list(filter)).map(jobJson));
  });
  r.get('/jobs/:id', guard.job('read'), async (req, res) => {
    const { id } = validate.params(req, jobIdParams);
    res.json(jobJson(await jobs.get(id)));
  });
  r.put('/jobs/:id', guard.job('operate'), async (req, res) => {
    const { id } = validate.params(req, jobIdParams);
    const body = validate.body(req, updateJobSchema);
    res.json(jobJson(await jobs.update(id, body, principal(res))));
  });
  r.delete('/jobs/:id', guard.job('operate'), async (req, res) => {
    const { id } = validate.params(req, jobIdParams);
    await jobs.delete(id);
    res.status(204).end();
  });
  r.post('/jobs/:id/start', guard.job('operate'), async (req, res) => {
    const { id } = validate.params(req, jobIdParams);
    validate.body(req, emptyBody);
    res.json(jobJson(await jobs.start(id)));
  });
  r.post('/jobs/:id/stop', guard.job('operate'), async (req, res) => {
    const { id } = validate.params(req, jobIdParams);
    validate.body(req, emptyBody);
    res.json(jobJson(await jobs.stop(id)));
  });
  r.post('/jobs/:id/trigger', guard.job('operate'), async (req, res) => {
    const { id } = validate.params(req, jobIdParams);
    const body = validate.body(req, triggerJobSchema);
    res.status(202).json((await jobs.trigger(id, body, 'MANUAL')) satisfies TriggerAnswer);
  });
  r.post('/jobs/:id/pause', guard.job('operate'), async (req, res) => {
    const { id } = validate.params(req, jobIdParams);
    res.json(jobJson(await jobs.pause(id, validate.body(req, pauseJobSchema))));
  });
  r.post('/jobs/:id/resume', guard.job('operate'), async (req, res) => {
    const { id } = validate.params(req, jobIdParams);
    validate.body(req, emptyBody);
    res.json(jobJson(await jobs.resume(id)));
  });
  r.post('/jobs/:id/skip-next', guard.job('operate'), async (req, res) => {
    const { id } = validate.params(req, jobIdParams);
    res.json(jobJson(await jobs.skipNext(id, validate.body(req, skipNextSchema))));
  });
  r.get('/jobs/:id/script-versions', guard.job('read'), async (req, res) => {
    const { id } = validate.params(req, jobIdParams);
    res.json({ items: await jobs.scriptVersions(id) } satisfies ScriptVersionsAnswer);
  });
  return r;
}
