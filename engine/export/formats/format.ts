// What an export format's module (formats/<name>.ts, its `exporter`) provides; the protocol's
// EXPORT_FORMATS entry of the same name gives its media type and wire encoding.
import type { SvgOptions } from '../../../protocol/types.js';
import type { ProfileData } from '../../profile/profile.js';
import type { OriginContext } from '../../profile/origin.js';

export interface ExportContext {
  /** The profile's name where the format has one (speedscope's). */
  title: string;
  /** For svg. */
  svg?: SvgOptions;
  /** For svg: draw the differential graph from this profile to the exported one. */
  base?: ProfileData;
  /** The workspace the frames' origins are told by (the svg's rust palette colours by them). */
  workspace?: OriginContext;
}

export interface Exporter {
  /** Text for 'utf8' formats, bytes for 'base64' ones (EXPORT_FORMATS[name].encoding). */
  render(p: ProfileData, ctx: ExportContext): string | Uint8Array | Promise<string | Uint8Array>;
}
