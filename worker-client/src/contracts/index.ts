/**
 * `@oasis/worker-client/contracts`: every wire of Oasis declared once — the `/worker` and `/ui`
 * Socket.IO messages, the REST bodies and answers, the closed sets and the error catalogue. The
 * admin (`server/`) validates with these zod schemas; the SDK and the dashboard take their types
 * (`z.infer`). `channels.ts`, `names.ts`, `enums.ts` and `errors.ts` hold plain values without
 * zod: a browser bundle that takes only those (the dashboard does) stays free of zod, since the
 * package declares `sideEffects: false`.
 */
export * from './channels.js';
export * from './names.js';
export * from './enums.js';
export * from './errors.js';
export * from './worker.js';
export * from './ui.js';
export * from './rest-access.js';
export * from './rest-jobs.js';
export * from './rest-views.js';
export * from './rest-queries.js';
