/**
 * The REST bodies of sign-in, apps, users and the audit trail: what a request may send (zod
 * schemas the admin's routes validate with, once) and what the admin answers.
 */
import { z } from 'zod';
import { Role } from './enums.js';
import { closedSet } from './kit.js';
import { APP_NAME_PATTERN, APP_NAME_RULE, canonicalUsername, USERNAME_PATTERN } from './names.js';

/** App names ({@link APP_NAME_PATTERN}). */
export const appNameSchema = z.string().regex(APP_NAME_PATTERN, APP_NAME_RULE);

/** Body of `POST /auth/login`. */
export const loginSchema = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
});
export type LoginBody = z.input<typeof loginSchema>;

/** Body of `POST /apps`. `title` defaults to the name. */
export const createAppSchema = z.strictObject({
  name: appNameSchema,
  title: z.string().trim().max(128).optional(),
});
export type CreateAppBody = z.input<typeof createAppSchema>;
export type CreateApp = z.output<typeof createAppSchema>;

/** Body of `PUT /apps/:name`: its title (empty: the name). */
export const updateAppSchema = z.strictObject({ title: z.string().trim().max(128) });
export type UpdateAppBody = z.input<typeof updateAppSchema>;
export type UpdateApp = z.output<typeof updateAppSchema>;

/** Usernames: 2-64 letters, digits and `_ . @ -`, taken canonical (trimmed, NFKC, lower case: `Bob` is `bob`). */
export const usernameSchema = z
  .string()
  .max(256)
  .transform(canonicalUsername)
  .pipe(z.string().regex(USERNAME_PATTERN, 'must be 2-64 letters, digits or _ . @ -'));
/** Passwords: 8-256 characters. */
export const passwordSchema = z.string().min(8, 'must be at least 8 characters').max(256);
const roleSchema = closedSet(Role);
const appsSchema = z.array(appNameSchema).max(1000);

/**
 * Body of `POST /users`; `apps` are the permitted apps (ignored for ADMIN, who sees all);
 * `scriptApps` those of them where an OPERATOR may write script jobs (ignored for ADMIN, who may
 * everywhere, and VIEWER, who may nowhere).
 */
export const createUserSchema = z.strictObject({
  username: usernameSchema,
  password: passwordSchema,
  role: roleSchema,
  apps: appsSchema.optional(),
  scriptApps: appsSchema.optional(),
});
export type CreateUserBody = z.input<typeof createUserSchema>;
export type CreateUser = z.output<typeof createUserSchema>;

/**
 * Body of `PUT /users/:id`: role, permitted apps and/or script grants (a list replaces the old
 * one; new apps without scriptApps keep the grants of the apps that remain).
 */
export const updateUserSchema = z
  .strictObject({ role: roleSchema.optional(), apps: appsSchema.optional(), scriptApps: appsSchema.optional() })
  .refine((v) => v.role !== undefined || v.apps !== undefined || v.scriptApps !== undefined, 'give role, apps or scriptApps');
export type UpdateUserBody = z.input<typeof updateUserSchema>;
export type UpdateUser = z.output<typeof updateUserSchema>;

/** Body of `POST /users/:id/password`: users changing their own password give the current one too. */
export const setPasswordSchema = z.strictObject({
  password: passwordSchema,
  currentPassword: z.string().min(1).max(256).optional(),
});
export type SetPasswordBody = z.input<typeof setPasswordSchema>;
export type SetPassword = z.output<typeof setPasswordSchema>;

// ---- answers -------------------------------------------------------------------------------

/** The signed-in user (`GET /auth/me`, and `user` of the sign-in answer). */
export const meJsonSchema = z.strictObject({
  id: z.number().int(),
  username: z.string(),
  role: roleSchema,
  /** Apps the user may see (and, as OPERATOR, change); empty for ADMIN (all apps). */
  apps: z.array(z.string()).readonly(),
  /** Apps where this user may write script jobs (an OPERATOR's grant; empty for ADMIN, who may everywhere). */
  scriptApps: z.array(z.string()).readonly(),
});
export type MeJson = z.infer<typeof meJsonSchema>;

/** Answer of `POST /auth/login`: the bearer token (the dashboard uses the cookie set beside it instead). */
export const loginAnswerSchema = z.strictObject({ token: z.string(), expiresAt: z.number().int(), user: meJsonSchema });
export type LoginAnswer = z.infer<typeof loginAnswerSchema>;

/** An app as `GET /apps`, `GET /apps/:name` and `PUT /apps/:name` answer it (never its token). */
export const appJsonSchema = z.strictObject({ id: z.number().int(), name: z.string(), title: z.string(), createdAt: z.number().int() });
export type AppJson = z.infer<typeof appJsonSchema>;

/** Answer of `POST /apps` and `POST /apps/:name/token`: the worker token, shown this once. */
export const createdAppJsonSchema = z.strictObject({ id: z.number().int(), name: z.string(), title: z.string(), token: z.string() });
export type CreatedAppJson = z.infer<typeof createdAppJsonSchema>;

/** A user as the API shows it (never the password hash). Times are epoch ms. */
export const userJsonSchema = z.strictObject({
  id: z.number().int(),
  username: z.string(),
  role: roleSchema,
  apps: z.array(z.string()),
  /** Apps where the user (an OPERATOR) may write script jobs (a subset of `apps`). */
  scriptApps: z.array(z.string()),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
});
export type UserJson = z.infer<typeof userJsonSchema>;

/** One audit entry; `before` / `after` are the JSON states recorded (secrets redacted). */
export const auditJsonSchema = z.strictObject({
  id: z.number().int(),
  /** Epoch ms. */
  at: z.number().int(),
  /** Null for the admin itself (e.g. a refusal no user stands behind). */
  userId: z.number().int().nullable(),
  username: z.string(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string().nullable(),
  app: z.string().nullable(),
  before: z.unknown(),
  after: z.unknown(),
  ip: z.string().nullable(),
});
export type AuditJson = z.infer<typeof auditJsonSchema>;

/** Answer of `GET /audit`: a page, newest first, and how many match. */
export const auditPageSchema = z.strictObject({ items: z.array(auditJsonSchema), total: z.number().int() });
export type AuditPage = z.infer<typeof auditPageSchema>;
