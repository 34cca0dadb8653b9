/**
 * The environment a script (GLUE) job starts with — the worker option `scriptEnv`.
 *
 * A script is code from whoever may edit the job, not from whoever runs the worker. The worker's
 * own environment usually holds the app's worker token (`OASIS_TOKEN`), which lets its holder
 * pull, complete and log any task of the app; a script must not read it unless the worker's
 * owner says so.
 */

/** The named ways to build a script's environment from the worker's. */
export const ScriptEnvMode = {
  /** The worker's environment minus the token variables (see {@link TOKEN_VARIABLES}). Default. */
  INHERIT_WITHOUT_TOKEN: 'inherit-without-token',
  /** The worker's environment as it is, token included: pass it deliberately. */
  INHERIT: 'inherit',
} as const;
export type ScriptEnvMode = (typeof ScriptEnvMode)[keyof typeof ScriptEnvMode];

/**
 * The `scriptEnv` option: a {@link ScriptEnvMode}, or exactly the variables to give (nothing of
 * the worker's environment). Either way the task variables (`OASIS_PARAMS`, `OASIS_TASK_ID`, …)
 * are added last and win.
 */
export type ScriptEnvOption = ScriptEnvMode | Readonly<Record<string, string>>;

/** Variables dropped by `inherit-without-token` whatever their value. */
export const TOKEN_VARIABLES: readonly string[] = Object.freeze(['OASIS_TOKEN']);

/**
 * The base environment of a script, before the task variables: what `option` says, built from
 * `parent` (the worker's environment, read at each run). `inherit-without-token` drops
 * {@link TOKEN_VARIABLES} and every variable whose value contains `token` (a copy under another
 * name, a URL with the token in it).
 */
export function scriptBaseEnv(option: ScriptEnvOption, token: string, parent: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (typeof option === 'object') return { ...option };
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(parent)) {
    if (value === undefined) continue;
    if (option === ScriptEnvMode.INHERIT_WITHOUT_TOKEN && (TOKEN_VARIABLES.includes(name) || (token !== '' && value.includes(token)))) {
      continue;
    }
    env[name] = value;
  }
  return env;
}

/**
 * Checks a `scriptEnv` option value; returns the problem, or undefined when it is valid.
 * A map needs names without `=` or NUL and string values without NUL (what a process accepts).
 */
export function scriptEnvProblem(value: unknown): string | undefined {
  const modes = Object.values(ScriptEnvMode).map((m) => `'${m}'`).join(' or ');
  if (typeof value === 'string') {
    return (Object.values(ScriptEnvMode) as string[]).includes(value) ? undefined : `must be ${modes}, or a map of variables (got '${value}')`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `must be ${modes}, or a map of variables like { PATH: '/usr/bin' } (got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value})`;
  }
  for (const [name, v] of Object.entries(value)) {
    if (name === '' || name.includes('=') || name.includes('\0')) return `must be a map of variables: ${JSON.stringify(name)} is not a variable name`;
    if (typeof v !== 'string' || v.includes('\0')) return `must be a map of variables with string values (${name} is not one)`;
  }
  return undefined;
}
