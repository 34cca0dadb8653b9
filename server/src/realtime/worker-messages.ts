import { z } from 'zod';

/** Validation of every message a worker may send (see worker-client/src/protocol.ts). */
const taskId = z.string().min(1).max(64);
/** An instant a JavaScript Date can hold (epoch ms, up to 8.64e15): later readers turn it into dates. */
const instant = z.number().int().min(0).max(8.64e15);

export const handshakeSchema = z.object({
  app: z.string().min(1).max(64),
  token: z.string().min(1).max(256),
  workerId: z.string().regex(/^[A-Za-z0-9_.:@-]{1,128}$/, 'letters, digits and _ . : @ - only'),
  concurrency: z.number().int().min(1).max(10_000),
  handlers: z.array(z.string().min(1).max(128)).max(1000),
  protocol: z.number().int(),
  meta: z
    .object({ host: z.string().max(255).optional(), pid: z.number().int().optional(), sdkVersion: z.string().max(64).optional() })
    .optional(),
});

export const heartbeatSchema = z.object({
  running: z.array(taskId).max(10_000),
  free: z.number().int().min(0).max(10_000),
});

export const pullSchema = z.object({ max: z.number().int().min(0).max(10_000) });

export const logSchema = z.object({
  taskId,
  seq: z.number().int().min(0),
  lines: z.array(z.string().max(16 * 1024)).max(1000),
});

export const progressSchema = z.object({
  taskId,
  value: z.number().min(0).max(100),
});

export const resultsSchema = z.object({
  results: z
    .array(
      z.object({
        taskId,
        attempt: z.number().int().min(1),
        status: z.enum(['SUCCESS', 'FAILED', 'TIMEOUT', 'KILLED']),
        output: z.string().max(1024 * 1024).optional(),
        error: z.string().max(64 * 1024).optional(),
        startedAt: instant,
        finishedAt: instant,
      }),
    )
    .max(1000),
});

