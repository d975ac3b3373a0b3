// The form of a declaration: a method's name, its params and result types (carried by the type
// alone), whether the web page may call it, and the check of its params. Plain data with no
// runtime import, so the daemon, every Node client and the browser bundle share one declaration.

/** A request method: `P` in, `R` out. */
export interface RequestType<P, R> {
  readonly method: string;
  /**
   * Reads profiles or status only, and takes no command or path to run: the web page's
   * whitelist is exactly these (daemon/web/rpc.ts).
   */
  readonly readOnly: boolean;
  /** Throws a FlameError (InvalidParams, naming the field) unless `params` is a valid P. */
  readonly check: (params: unknown) => void;
  /** Never set: carries P and R for the type checker. */
  readonly _types?: { params: P; result: R };
}

/** A notification, daemon → client. */
export interface NotificationType<P> {
  readonly method: string;
  /** Never set: carries P for the type checker. */
  readonly _params?: P;
}

export function request<P, R>(method: string, opts: { readOnly: boolean; check: (params: unknown) => void }): RequestType<P, R> {
  return { method, readOnly: opts.readOnly, check: opts.check };
}

export function notification<P>(method: string): NotificationType<P> {
  return { method };
}
