// An interactive SVG flame graph of the whole profile, with the caller's SvgOptions; refused
// before drawing when it would be too big to open.
import { ErrorCodes, FlameError } from '../../../protocol/errors.js';
import type { SvgOptions } from '../../../protocol/types.js';
import { foldedStacks } from '../../query/query.js';
import { mergeStacks, renderTree } from '../../render/svg.js';
import { svgTooBig } from '../../render/svg-guard.js';
import type { Exporter } from './format.js';

export const exporter: Exporter = {
  render(p, ctx) {
    const opts: SvgOptions = { countName: p.unit, ...(ctx.svg ?? {}) };
    const tree = mergeStacks(foldedStacks(p), opts);
    const tooBig = svgTooBig(tree, opts);
    if (tooBig !== undefined) throw new FlameError(ErrorCodes.BadInput, tooBig);
    return renderTree(tree, opts);
  },
};
