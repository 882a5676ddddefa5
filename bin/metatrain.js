#!/usr/bin/env node
// The `metatrain` command. The TypeScript sources are compiled to dist/ by `npm ci` (the prepare script).
// First, before the command loads (about half a second): Ctrl-C or SIGTERM exits 130 / 143 (src/cli/exit-codes.ts), not by the signal.
require('../dist/src/cli/exit-codes.js').exitOnStopSignalsUntilHandled();
require('../dist/src/cli/main.js');
