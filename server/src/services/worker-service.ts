import type { HotPort } from '../domain/ports.js';
import type { WorkerInfo } from '../domain/types.js';

/** Workers as the registry (Redis) sees them. */
export class WorkerService {
  constructor(private readonly deps: { hot: HotPort }) {}

  /** Known workers, of one app or of all. */
  list(app?: string): Promise<WorkerInfo[]> {
    return this.deps.hot.listWorkers(app);
  }
}
