// Real Emacs (batch mode, Debian's emacs-nox with elpa-eglot) running `flame lsp` through eglot
// on a workspace: a driver written here opens a source file, waits for flame's diagnostics in
// Flymake, asks for a hover at a line, and runs a code action of another file through eglot's
// own interactive command, answering its prompt on stdin as a user would. It writes what it saw
// as JSON.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { FLAME_BIN, runEditor } from './helpers.js';

export const EMACS = process.env.FLAME_EMACS ?? '/usr/bin/emacs';

const DRIVER = String.raw`
(require 'package)
(setq package-directory-list '("/usr/share/emacs/site-lisp/elpa"))
(package-initialize)
(require 'eglot)
(require 'json)
(define-derived-mode rust-mode prog-mode "Rust")
(add-to-list 'auto-mode-alist '("\\.rs\\'" . rust-mode))
(defvar flame-root (file-name-as-directory (getenv "FLAME_EMACS_ROOT")))
(add-hook 'project-find-functions (lambda (_dir) (cons 'transient flame-root)))
(add-to-list 'eglot-server-programs
             (list 'rust-mode (getenv "FLAME_NODE") (getenv "FLAME_BIN") "lsp" "--stdio"))
(defvar flame-result nil)
(defun flame-put (key value) (setq flame-result (plist-put flame-result key value)))
(defun flame-finish ()
  (with-temp-file (getenv "FLAME_EMACS_OUT") (insert (json-encode flame-result)))
  (kill-emacs 0))
(defun flame-wait (pred seconds)
  (let ((until (+ (float-time) seconds)))
    (while (and (not (funcall pred)) (< (float-time) until))
      (accept-process-output nil 0.1)
      (when (bound-and-true-p flymake-mode) (flymake-start)))
    (funcall pred)))
(condition-case err
    (progn
      (find-file (getenv "FLAME_EMACS_FILE"))
      (apply #'eglot (eglot--guess-contact))
      (flame-wait (lambda () (eglot-current-server)) 60)
      (flame-put :connected (if (eglot-current-server) t :json-false))
      (flame-put :arrived (if (flame-wait (lambda () (flymake-diagnostics)) 60) t :json-false))
      (flame-put :diagnostics
                 (vconcat (mapcar (lambda (d)
                                    (list :line (1- (line-number-at-pos (flymake-diagnostic-beg d)))
                                          :message (flymake-diagnostic-text d)
                                          :type (symbol-name (flymake-diagnostic-type d))))
                                  (flymake-diagnostics))))
      ;; The hover at a line, through eglot's connection.
      (goto-char (point-min))
      (forward-line (string-to-number (getenv "FLAME_EMACS_HOVER_LINE")))
      (let ((h (jsonrpc-request (eglot-current-server) :textDocument/hover (eglot--TextDocumentPositionParams))))
        (flame-put :hover (and h (plist-get (plist-get h :contents) :value))))
      ;; A code action at fn main of the binary, picked from eglot's prompt (stdin in batch mode).
      (find-file (getenv "FLAME_EMACS_ACTION_FILE"))
      (eglot--maybe-activate-editing-mode)
      (goto-char (point-min))
      (re-search-forward "^fn main")
      (beginning-of-line)
      (flame-put :actions (vconcat (mapcar (lambda (a) (plist-get a :title)) (eglot-code-actions (point) (point)))))
      (let ((last-nonmenu-event ?\r))
        (call-interactively #'eglot-code-actions))
      (flame-put :executed t)
      (flame-finish))
  (error (flame-put :error (format "%S" err)) (flame-finish)))
`;

export interface EmacsResult {
  connected?: boolean;
  arrived?: boolean;
  error?: string;
  diagnostics?: Array<{ line: number; message: string; type: string }>;
  hover?: string;
  actions?: string[];
  executed?: boolean;
}

/**
 * Open `file` of the workspace `root` in Emacs with eglot and flame's language server, hover at
 * `hoverLine` (0-based), then pick `action` from eglot's code actions at `fn main` of `actionFile`.
 */
export async function runEmacs(opts: {
  root: string;
  file: string;
  hoverLine: number;
  actionFile: string;
  action: string;
  runtime: string;
  env: NodeJS.ProcessEnv;
}): Promise<EmacsResult & { stderr: string }> {
  const driver = path.join(opts.runtime, 'flame-driver.el');
  writeFileSync(driver, DRIVER);
  const outFile = path.join(opts.runtime, 'emacs-out.json');
  const env = {
    ...opts.env,
    FLAME_EMACS_OUT: outFile,
    FLAME_EMACS_ROOT: opts.root,
    FLAME_EMACS_FILE: opts.file,
    FLAME_EMACS_HOVER_LINE: String(opts.hoverLine),
    FLAME_EMACS_ACTION_FILE: opts.actionFile,
    FLAME_NODE: process.execPath,
    FLAME_BIN,
  };
  // eglot's prompt reads its answer from stdin in batch mode.
  return runEditor<EmacsResult>(EMACS, ['--batch', '-Q', '-l', driver], { cwd: opts.root, env, outFile, timeoutMs: 200_000, stdin: `${opts.action}\n` });
}
