/**
 * Terminal colour without a dependency: a handful of SGR codes. (node's util.styleText is not used because its
 * behaviour changed across Node 20 minor releases: some strip colour on their own when stdout is not a TTY,
 * which would make `FORCE_COLOR` and the tests depend on the Node patch version.)
 */
const CODES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
} as const;

export type StyleName = keyof typeof CODES;

export interface Style {
  readonly enabled: boolean;
  paint(text: string, ...styles: StyleName[]): string;
}

export function createStyle(enabled: boolean): Style {
  return {
    enabled,
    paint(text, ...styles) {
      if (!enabled || text === '') return text;
      return styles.reduce((out, name) => `\u001b[${CODES[name][0]}m${out}\u001b[${CODES[name][1]}m`, text);
    },
  };
}

export interface ColourInputs {
  /** `false` when `--no-color` was given. */
  readonly colorFlag: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdoutIsTTY: boolean;
}

/**
 * Precedence: `--no-color`, then FORCE_COLOR (`0`/`false` turns colour off, anything else on), then NO_COLOR
 * (any non-empty value, https://no-color.org), then whether stdout is a terminal (and TERM is not `dumb`).
 */
export function shouldUseColour({ colorFlag, env, stdoutIsTTY }: ColourInputs): boolean {
  if (!colorFlag) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !['0', 'false'].includes(force.toLowerCase());
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stdoutIsTTY && env.TERM !== 'dumb';
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** Display width, counting code points (the output is ASCII apart from user data such as names). */
export function visibleWidth(text: string): number {
  return [...stripAnsi(text)].length;
}
