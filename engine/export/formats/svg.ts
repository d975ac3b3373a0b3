// An interactive SVG flame graph of the whole profile, drawn by flame-native with the caller's
// SvgOptions, each frame's tooltip with its share's band; with a base profile, the differential
// graph from the base to this one. Refused before drawing when it would be too big to open.
import { ErrorCodes, FlameError } from '../../../protocol/errors.js';
import type { SvgOptions } from '../../../protocol/types.js';
import { foldedOrigins } from '../../query/query.js';
import { renderGuarded } from '../../render/svg-guard.js';
import { diffSvgStacks, profileSvgStacks } from '../../render/svg-input.js';
import type { Exporter } from './format.js';

export const exporter: Exporter = {
  async render(p, ctx) {
    const opts: SvgOptions = { countName: p.unit, ...(ctx.svg ?? {}) };
    const origins = opts.palette === 'rust' ? foldedOrigins(p, ctx.workspace) : undefined;
    const r = await renderGuarded(ctx.base ? diffSvgStacks(ctx.base, p) : profileSvgStacks(p, opts), opts, { origins });
    if ('tooBig' in r) throw new FlameError(ErrorCodes.BadInput, r.tooBig);
    return r.svg.toString('utf8');
  },
};
