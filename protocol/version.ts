// The package version, from package.json alone (a JSON module: loaded with the code, no file read
// at run time; tsc and the web bundle both take it in), and the protocol version a client and the
// daemon compare at handshake: bumped only for a change no capability can describe.
import pkg from '../package.json' with { type: 'json' };

export const FLAME_VERSION: string = pkg.version;
export const PROTOCOL_VERSION = 1;
