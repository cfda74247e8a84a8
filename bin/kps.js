#!/usr/bin/env node
// The `kps` executable: runs the TypeScript CLI (src-main/cli/main.ts) through tsx.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src-main/cli/main.ts');
await runCli(process.argv);
