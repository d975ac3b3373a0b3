// An interactive SVG flame graph of the whole profile, drawn by flame-native with the caller's
// SvgOptions; refused before drawing when it would be too big to open.
import { ErrorCodes, FlameError } from '../../../protocol/errors.js';
import type { SvgOptions } from '../../../protocol/types.js';
import { foldedOrigins, foldedStacks } from '../../query/query.js';
import { renderGuarded } from '../../render/svg-guard.js';
import type { Exporter } from './format.js';

export const exporter: Exporter = {
  async render(p, ctx) {
    const opts: SvgOptions = { countName: p.unit, ...(ctx.svg ?? {}) };
    const r = await renderGuarded(foldedStacks(p), opts, { origins: opts.palette === 'rust' ? foldedOrigins(p, ctx.workspace) : undefined });
    if ('tooBig' in r) throw new FlameError(ErrorCodes.BadInput, r.tooBig);
    return r.svg.toString('utf8');
  },
};
