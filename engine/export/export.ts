// The export registry: a profile in other tools' formats, one module per format under formats/,
// so users can open flame's recordings where they like. Adding a format is a module there, its
// name in protocol/types.ts's EXPORT_FORMATS (media type, encoding, a line for the help texts)
// and its line below; tsc refuses a name without a module.
import { EXPORT_FORMATS, EXPORT_FORMAT_NAMES, type ExportFormat } from '../../protocol/types.js';
import { ParamsError } from '../../protocol/validate.js';
import type { ProfileData } from '../profile/profile.js';
import { folded } from './formats/folded.js';
import type { ExportContext, Exporter } from './formats/format.js';
import { pprof } from './formats/pprof.js';
import { speedscope } from './formats/speedscope.js';
import { svg } from './formats/svg.js';

const REGISTRY: Record<ExportFormat, Exporter> = { folded, svg, speedscope, pprof };

export interface ExportedProfile {
  format: ExportFormat;
  mediaType: string;
  /** How `data` is written: text as is, binary as base64 (the wire carries JSON). */
  encoding: 'utf8' | 'base64';
  data: string;
}

/**
 * One profile in one format, as the daemon's `profile/export` and the CLI's `flame export` (from
 * the history or straight from a recording) give it.
 */
export function exportProfile(p: ProfileData, format: ExportFormat, ctx: ExportContext): ExportedProfile {
  const exporter = REGISTRY[format] as Exporter | undefined;
  if (!exporter || !Object.hasOwn(REGISTRY, format)) throw new ParamsError('format', `one of ${EXPORT_FORMAT_NAMES.join(', ')}`, format);
  const { mediaType, encoding } = EXPORT_FORMATS[format];
  const out = exporter.render(p, ctx);
  const data = encoding === 'base64' ? Buffer.from(out).toString('base64') : typeof out === 'string' ? out : Buffer.from(out).toString('utf8');
  return { format, mediaType, encoding, data };
}
