// The package version, and the protocol version a client and the daemon compare at handshake.
export const FLAME_VERSION = '0.1.0';
export const PROTOCOL_VERSION = 1;
