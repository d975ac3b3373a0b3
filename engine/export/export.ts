// The export registry: a profile in other tools' formats, so users can open flame's recordings
// where they like. The formats are protocol/types.ts's EXPORT_FORMATS (name, media type,
// encoding, a line for the help texts); each is the module formats/<name>.ts exporting
// `exporter`, loaded when first used (pprof's encoder costs start-up no other format needs). Adding
// a format is that module and its entry; test/protocol.test.ts exports with every one.
import { EXPORT_FORMATS, EXPORT_FORMAT_NAMES, type ExportFormat } from '../../protocol/types.js';
import { ParamsError } from '../../protocol/validate.js';
import type { ProfileData } from '../profile/profile.js';
import type { ExportContext, Exporter } from './formats/format.js';

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
export async function exportProfile(p: ProfileData, format: ExportFormat, ctx: ExportContext): Promise<ExportedProfile> {
  // Only a listed name becomes a module path.
  if (!Object.hasOwn(EXPORT_FORMATS, format)) throw new ParamsError('format', `one of ${EXPORT_FORMAT_NAMES.join(', ')}`, format);
  const { exporter } = (await import(`./formats/${format}.js`)) as { exporter: Exporter };
  const { mediaType, encoding } = EXPORT_FORMATS[format];
  const out = await exporter.render(p, ctx);
  const data = encoding === 'base64' ? Buffer.from(out).toString('base64') : typeof out === 'string' ? out : Buffer.from(out).toString('utf8');
  return { format, mediaType, encoding, data };
}
