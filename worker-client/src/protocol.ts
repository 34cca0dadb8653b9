/**
 * `@oasis/worker-client/protocol`: the `/worker` wire between the admin and workers, as this
 * package published it before the contracts existed. It declares nothing itself: every name is
 * re-exported from `contracts/` (`@oasis/worker-client/contracts`), where the zod schemas the
 * admin validates with and the types derived from them live.
 */
export {
  PROTOCOL_VERSION,
  WORKER_NAMESPACE,
  MAX_PROGRESS,
  WorkerErrorCode,
  ResultVerdict,
  type WorkerHandshake,
  type HeartbeatMessage,
  type PullMessage,
  type LogMessage,
  type ProgressMessage,
  type TaskResult,
  type ResultsMessage,
  type TaskScript,
  type TaskPayload,
  type WelcomeMessage,
  type KillMessage,
  type WorkerToAdminEvents,
  type AdminToWorkerEvents,
} from './contracts/worker.js';
export { TaskStatus, WorkerResultStatus, TriggerType, ScriptLanguage } from './contracts/enums.js';
export type { Ack, AckError } from './contracts/errors.js';
