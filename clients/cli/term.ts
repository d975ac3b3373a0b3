// What the terminal on the other end of a stream can take: whether to rewrite lines in place,
// how wide it is, and whether to colour. One rule for every verb, so `TERM=dumb`, `NO_COLOR`
// and `--color` mean the same everywhere.
import { UsageError } from './main.js';

/** `--color`'s values, as cargo spells them. */
export const COLOR_CHOICES = ['auto', 'always', 'never'] as const;
export type ColorChoice = (typeof COLOR_CHOICES)[number];

export interface Term {
  /** The stream is a terminal. */
  tty: boolean;
  /** Cursor movement and line clearing work: a terminal whose TERM is not `dumb`. */
  ansi: boolean;
  /** The width to cut lines to; a terminal that reports 0 columns (or none) gets 80. */
  columns: number;
  /** Whether to colour. */
  color: boolean;
}

/**
 * The terminal behind `stream`. Colour: `--color always|never` decides when given; otherwise
 * NO_COLOR (any non-empty value, no-color.org) turns it off, CLICOLOR_FORCE or FORCE_COLOR
 * (other than 0) on, and else a terminal that takes escape codes gets it.
 */
export function terminal(stream: { isTTY?: boolean; columns?: number }, choice: ColorChoice = 'auto', env: NodeJS.ProcessEnv = process.env): Term {
  const tty = Boolean(stream.isTTY);
  const ansi = tty && env.TERM !== 'dumb';
  const reported = stream.columns ?? 0;
  const columns = Number.isFinite(reported) && reported > 0 ? reported : 80;
  let color: boolean;
  if (choice === 'always') color = true;
  else if (choice === 'never') color = false;
  else if (env.NO_COLOR) color = false;
  else if ((env.CLICOLOR_FORCE && env.CLICOLOR_FORCE !== '0') || (env.FORCE_COLOR && env.FORCE_COLOR !== '0')) color = true;
  else color = ansi;
  return { tty, ansi, columns, color };
}

/** `--color`'s value checked, for the verbs that take it. */
export function colorChoice(value: string | undefined): ColorChoice {
  if (value === undefined) return 'auto';
  if ((COLOR_CHOICES as readonly string[]).includes(value)) return value as ColorChoice;
  throw new UsageError(`--color takes ${COLOR_CHOICES.join(', ')}, not '${value}'`);
}

const SGR = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;
export type Paint = keyof typeof SGR;

/** `text` in `paint` when the terminal takes colour, else as it is. */
export function paint(term: Pick<Term, 'color'>, paint: Paint, text: string): string {
  return term.color ? `\x1b[${SGR[paint]}m${text}\x1b[0m` : text;
}

/**
 * A change in its colour, one rule for every verb: a real growth red, a real shrink green (by
 * the self share, else the total), a change within noise dim.
 */
export function paintChange(term: Pick<Term, 'color'>, change: { significant: boolean; self: number; total: number }, text: string): string {
  if (!change.significant) return paint(term, 'dim', text);
  const grew = change.self > 0 || (change.self === 0 && change.total > 0);
  return paint(term, grew ? 'red' : 'green', text);
}
