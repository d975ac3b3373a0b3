// Runtime plumbing: the frames every Rust program's stacks start with, between the process or
// thread entry and the user's `main` or spawned closure. They are the same in every profile and
// say nothing about where the time goes, so flame's graphs leave them out by default (the
// `plumbing` switch: `--plumbing` on the CLI, `plumbing: true` in the protocol, the page's
// toggle, puts them back).
//
// The rule: a frame whose function name matches a pattern of PLUMBING is removed from its stack,
// except when it is the sampled instruction's own: the innermost frame and, when that one is
// inlined, every frame up to and including the function it is inlined into. So a sample never
// changes its function: every function's self count (inline or `--no-inline`) and every
// remaining function's total stay what they were, the total of samples too, and a plumbing
// function with samples of its own (`start_thread` itself running) keeps them, as its own frame,
// on top of the stack's outermost frames that are not plumbing. Only the plumbing functions'
// totals shrink, to their self counts.
//
// Names are matched as demangled, legacy and v0 alike (`{{closure}}` and `{closure#0}`, generic
// arguments `::<…>` after a name). Pure.

/** One pattern of the rule, with what the frames it matches are. */
export interface PlumbingRule {
  pattern: RegExp;
  why: string;
}

/** The plumbing frames (engine/profile/plumbing.ts's comment says how they are removed). */
export const PLUMBING: readonly PlumbingRule[] = [
  { pattern: /^_start$/, why: 'the process entry point (crt1.o)' },
  { pattern: /^__libc_start_main(?:_impl|_alias_\d+)?$|^__libc_start_call_main$/, why: "glibc's start of the process, which calls main" },
  { pattern: /^main$/, why: 'the C main rustc generates, which calls std::rt::lang_start' },
  { pattern: /^std::rt::lang_start(?:_internal)?(?:::|$)/, why: "std's runtime start: lang_start, lang_start_internal and their closures" },
  {
    pattern: /^std::panic(?:king)?::(?:catch_unwind|try|r#try)(?:::|$)|^__rust_try$/,
    why: 'the unwinding guards around main and each thread (catch_unwind, try, do_call)',
  },
  { pattern: /(?:^|::)__rust_begin_short_backtrace(?:::|$)/, why: 'the marker frame backtraces start after' },
  {
    pattern: /^core::ops::function::FnOnce::call_once(?:\{\{vtable\.shim\}\})?(?:::|$)/,
    why: 'the call_once shims that call main and a spawned closure (and their vtable shims)',
  },
  {
    pattern:
      /^<(?:alloc::boxed::Box<dyn core::ops::function::FnOnce|core::panic::unwind_safe::AssertUnwindSafe<|&dyn core::ops::function::Fn<).* as core::ops::function::FnOnce<.*>>::call_once(?:::|$)/,
    why: 'the boxed, AssertUnwindSafe and &dyn Fn call_once impls the runtime calls through',
  },
  {
    pattern: /^std::thread::(?:Builder::spawn_unchecked_?|lifecycle::spawn_unchecked)(?:::<.*>)?::(?:\{\{closure\}\}|\{closure#\d+\})/,
    why: "std's thread start: spawn_unchecked's closures, which run the spawned closure",
  },
  { pattern: /^<?std::sys::(?:pal::)?(?:unix::)?thread::(?:unix::)?Thread>?::new::thread_start(?:::|$)/, why: "std's pthread entry function" },
  { pattern: /^(?:start_thread|clone3?|__clone3?|__GI___clone3?|thread_start)$/, why: "glibc's thread start (pthread_create's start_thread, clone)" },
];

/** Whether a function of this name is runtime plumbing. */
export function isPlumbing(name: string): boolean {
  return PLUMBING.some((r) => r.pattern.test(name));
}
