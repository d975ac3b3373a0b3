// The protocol's documentation covers every declared method and notification.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { NOTIFICATIONS, REQUESTS } from '../protocol/methods.js';
import { REPO } from './helpers.js';

test('every protocol method has an entry in protocol/README.md', () => {
  const doc = readFileSync(path.join(REPO, 'protocol', 'README.md'), 'utf8');
  const headings = new Set([...doc.matchAll(/^### `([^`]+)`$/gm)].map((m) => m[1]));
  const missing = [...REQUESTS, ...NOTIFICATIONS].filter((m) => !headings.has(m));
  assert.deepEqual(missing, [], `undocumented methods: ${missing.join(', ')}`);
  const declared: string[] = [...REQUESTS, ...NOTIFICATIONS];
  const unknown = [...headings].filter((h) => !declared.includes(h!));
  assert.deepEqual(unknown, [], `documented methods that do not exist: ${unknown.join(', ')}`);
});
