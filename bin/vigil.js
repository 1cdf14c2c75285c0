#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so `npm start` and `npx vigil` need no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
await main(process.argv);
