#!/usr/bin/env node
// The `metatrain` command. The TypeScript sources are compiled to dist/ by `npm ci` (the prepare script).
require('../dist/src/cli/main.js');
