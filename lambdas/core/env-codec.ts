import type * as z from './zod';

export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}

export interface EnvCodec<T> {
  /** Parses settings from environment variables; throws SettingsError naming each bad variable. */
  readonly fromEnvironment: (env: Readonly<Record<string, string | undefined>>) => T;
  /** The inverse, used by the stack to configure a function. */
  readonly toEnvironment: (settings: Readonly<Record<string, unknown>>) => Record<string, string>;
}

/**
 * Maps a settings schema onto environment variables: lists are comma-separated, numbers decimal, booleans
 * `true`/`false`. One codec per Lambda, so the stack writes exactly what the function reads.
 */
export function envCodec<S extends z.ZodMiniType<Record<string, unknown>>>(options: {
  readonly schema: S;
  readonly variables: Readonly<Record<string, string>>;
  readonly listKeys: readonly string[];
  readonly numberKeys: readonly string[];
  /** `true` and `false` become booleans; anything else is left for the schema to refuse. */
  readonly booleanKeys?: readonly string[];
  /** Named in errors, e.g. "checker settings". */
  readonly label: string;
}): EnvCodec<z.infer<S>> {
  const entries = Object.entries(options.variables);
  return {
    fromEnvironment: (env) => {
      const raw: Record<string, unknown> = {};
      for (const [key, variable] of entries) {
        const value = env[variable];
        if (value === undefined || value === '') continue;
        if (options.listKeys.includes(key)) {
          raw[key] = value
            .split(',')
            .map((item) => item.trim())
            .filter((item) => item !== '');
        } else if (options.numberKeys.includes(key)) raw[key] = Number(value);
        else if (options.booleanKeys?.includes(key)) {
          raw[key] = value === 'true' ? true : value === 'false' ? false : value;
        } else raw[key] = value;
      }
      const parsed = options.schema.safeParse(raw);
      if (!parsed.success) {
        const problems = parsed.error.issues.map((issue) => {
          const key = issue.path[0];
          const variable = typeof key === 'string' ? options.variables[key] : undefined;
          return `${variable ?? '(environment)'}: ${issue.message}`;
        });
        throw new SettingsError(`Invalid ${options.label}: ${problems.join('; ')}`);
      }
      return parsed.data;
    },
    toEnvironment: (settings) => {
      const env: Record<string, string> = {};
      for (const [key, variable] of entries) {
        const value = settings[key];
        if (value === undefined) continue;
        if (Array.isArray(value)) {
          if (value.length > 0) env[variable] = value.join(',');
        } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
          env[variable] = String(value);
        } else {
          throw new SettingsError(`Invalid ${options.label}: ${key} cannot be written to ${variable}`);
        }
      }
      return env;
    },
  };
}
