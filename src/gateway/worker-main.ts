// The module node:cluster runs in every worker process (WorkerPool's `exec`): the data plane,
// fed by the primary over IPC.
import { runWorker } from '../cluster/worker.js';
import { createLogger } from '../core/logger.js';
import { buildWorkerApp } from './worker-app.js';

const logger = createLogger(`gatehouse-worker-${process.env['GATEHOUSE_WORKER_SLOT'] ?? '?'}`);
runWorker((config) => buildWorkerApp(config, logger), logger);
